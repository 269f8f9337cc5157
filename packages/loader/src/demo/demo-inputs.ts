import { createHash } from "node:crypto";
import type { Tensor } from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";

/**
 * Deterministic inputs for a bucket (a fixed-seed generator, values in [-1, 1), timesteps and
 * integers small), so the demo's checksums are comparable between runs and machines.
 */
export function demoInputs(bucket: Bucket, seed = 1): Record<string, Tensor> {
  let state = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: fast, deterministic, good enough for test data.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const inputs: Record<string, Tensor> = {};
  for (const [name, dims] of Object.entries(bucket.inputs)) {
    const shape = dims.map((d) => (Array.isArray(d) ? d[0] : d));
    const count = shape.reduce((a, b) => a * b, 1);
    const dtype = bucket.dtypes?.[name] ?? "float32";
    const values = Array.from({ length: count }, () => next() * 2 - 1);
    if (dtype === "float32") inputs[name] = { dtype, shape, data: Float32Array.from(values) };
    else if (dtype === "bfloat16")
      inputs[name] = { dtype, shape, data: Uint16Array.from(values, toBf16Bits) };
    else if (dtype === "int64")
      inputs[name] = {
        dtype,
        shape,
        data: BigInt64Array.from(values, (v) => BigInt(Math.floor((v + 1) * 8))),
      };
    else throw new Error(`the demo does not generate ${dtype} inputs (input ${name})`);
  }
  return inputs;
}

/** float32 -> bfloat16 bits, rounding to nearest even as torch does. */
export function toBf16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** A short digest of the outputs' bytes: equal runs print equal checksums. */
export function checksum(outputs: Tensor[]): string {
  const hash = createHash("sha256");
  for (const t of outputs) hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return hash.digest("hex").slice(0, 16);
}

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors, type Tensor, typedArrayFor } from "@aotihub/native";

// The io files the export helper writes (`io/[<profile>/]<bucket>.safetensors`: the bucket's
// inputs as `input.<name>`, the eager outputs as `output.<i>`) and the comparisons every runtime
// test makes against them, in one place for the CPU, GPU and end-to-end suites.

export interface BucketIo {
  inputs: Record<string, Tensor>;
  outputs: Tensor[];
}

/** Every tensor of a safetensors file, each copied into its own buffer as user data would be. */
export async function readTensors(path: string): Promise<Record<string, Tensor>> {
  const file = await readSafetensors(path);
  const bytes = readFileSync(path);
  const result: Record<string, Tensor> = {};
  for (const info of file.tensors) {
    const start = bytes.byteOffset + info.byteOffset;
    const copy = bytes.buffer.slice(start, start + info.byteLength);
    const numel = info.shape.reduce((a, b) => a * b, 1);
    result[info.name] = {
      dtype: info.dtype,
      shape: info.shape,
      data: typedArrayFor(info.dtype, copy, 0, numel),
    };
  }
  return result;
}

/**
 * A bucket's inputs and eager outputs. A repo exported with several profiles keeps them under
 * `io/<profile>/`; with one profile, directly under `io/`. Without a profile named, a multi-profile
 * repo answers with the first profile (by name) that has the bucket.
 */
export async function readBucketIo(repo: string, bucket: string, profile?: string): Promise<BucketIo> {
  const file = `${bucket}.safetensors`;
  const candidates = [
    ...(profile !== undefined ? [join(repo, "io", profile, file)] : []),
    join(repo, "io", file),
    ...(profile === undefined && existsSync(join(repo, "io"))
      ? readdirSync(join(repo, "io"))
          .sort()
          .map((dir) => join(repo, "io", dir, file))
      : []),
  ];
  const path = candidates.find((c) => existsSync(c)) ?? candidates[0]!;
  const all = await readTensors(path);
  const inputs: Record<string, Tensor> = {};
  const outputs: Tensor[] = [];
  for (const [name, tensor] of Object.entries(all)) {
    if (name.startsWith("input.")) inputs[name.slice("input.".length)] = tensor;
  }
  for (let i = 0; all[`output.${i}`] !== undefined; i++) outputs.push(all[`output.${i}`]!);
  return { inputs, outputs };
}

/** bfloat16 / float16 raw bits -> numbers, for tolerance checks. */
export function toNumbers(t: Tensor): number[] {
  if (t.dtype === "bfloat16") {
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    return Array.from(t.data as Uint16Array, (bits) => {
      u[0] = bits << 16;
      return f[0]!;
    });
  }
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** ||a - b|| / ||b||, the relative error docs/architecture.md 2.3 uses against eager. */
export function relativeError(actual: Tensor, expected: Tensor): number {
  const a = toNumbers(actual);
  const b = toNumbers(expected);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += ((a[i] ?? Number.NaN) - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), Number.MIN_VALUE);
}

export function sameBytes(a: Tensor, b: Tensor): boolean {
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
    Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
  );
}

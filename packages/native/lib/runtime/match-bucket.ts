import type { Bucket } from "@aotihub/registry";
import type { TorchDtypeName } from "../tensor/dtypes.js";

export interface InputSignature {
  name: string;
  dtype: TorchDtypeName;
  shape: readonly number[];
}

/**
 * Why `inputs` do not fit `bucket` (empty when they do). A compiled model checks nothing itself
 * (docs/architecture.md 2.2: a larger input runs and returns garbage), so this is the only guard: static
 * dims must be equal, dynamic `[min, max]` dims within range, declared dtypes equal.
 */
export function bucketMismatches(bucket: Bucket, inputs: readonly InputSignature[]): string[] {
  const reasons: string[] = [];
  for (const input of inputs) {
    const dims = bucket.inputs[input.name];
    if (dims === undefined) {
      reasons.push(`${input.name}: not an input of this bucket (${Object.keys(bucket.inputs).join(", ")})`);
      continue;
    }
    if (dims.length !== input.shape.length) {
      reasons.push(`${input.name}: rank ${input.shape.length}, bucket has ${dims.length} dims`);
      continue;
    }
    dims.forEach((dim, i) => {
      const size = input.shape[i] ?? -1;
      if (typeof dim === "number" ? size !== dim : size < dim[0] || size > dim[1]) {
        reasons.push(`${input.name} dim ${i}: ${size}, bucket wants ${formatDim(dim)}`);
      }
    });
    const dtype = bucket.dtypes?.[input.name];
    if (dtype !== undefined && dtype !== input.dtype)
      reasons.push(`${input.name}: ${input.dtype}, bucket wants ${dtype}`);
  }
  return reasons;
}

export function formatBucket(bucket: Bucket): string {
  const inputs = Object.entries(bucket.inputs).map(([name, dims]) => {
    const dtype = bucket.dtypes?.[name];
    return `${name}[${dims.map(formatDim).join(", ")}]${dtype ? ` ${dtype}` : ""}`;
  });
  return `${bucket.name}: ${inputs.join(", ")}`;
}

function formatDim(dim: number | [number, number]): string {
  return typeof dim === "number" ? String(dim) : `${dim[0]}..${dim[1]}`;
}

/**
 * The names callers use for the model's inputs. A container reports graph placeholder names
 * ("arg4_1") where export kept no user names, so the bucket's names (the forward() argument
 * names, in order) stand for them position by position; the counts must agree.
 */
export function publicInputNames(bucket: Bucket, containerNames: readonly string[]): string[] | null {
  const keys = Object.keys(bucket.inputs);
  if (keys.length !== containerNames.length) return null;
  const sameSet = containerNames.every((name) => keys.includes(name));
  return sameSet ? [...containerNames] : keys;
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type LoadedModel,
  type LoadPackagesOptions,
  loadPackages,
  type PackageSpec,
  readSafetensors,
  type Tensor,
  typedArrayFor,
} from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";
import { repoRoot } from "../../../../test/support/repo-root.js";
import { testTorch } from "./python.js";

/** Where tests extract compiled libraries (gitignored, content-addressed, shared across runs). */
export const soCacheDir = join(repoRoot, ".cache", "native-test-so");

interface ManifestShape {
  weights: Record<string, { files: string[] }>;
  profiles: Record<string, { weights: string }>;
  artifacts: { path: string; profile: string; bucket: Bucket; weightsOverride?: string }[];
}

/** The packages and weights of a convention repo folder, as loadPackages takes them. */
export function repoPackages(
  repo: string,
  buckets?: string[],
): Pick<LoadPackagesOptions, "packages" | "weights"> {
  const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as ManifestShape;
  const artifacts = manifest.artifacts.filter(
    (a) => buckets === undefined || buckets.includes(a.bucket.name),
  );
  const profile = artifacts[0]!.profile;
  const files = (set: string) => manifest.weights[set]!.files.map((f) => join(repo, f));
  const packages: PackageSpec[] = artifacts.map((a) => ({
    path: join(repo, a.path),
    bucket: a.bucket,
    ...(a.weightsOverride ? { weights: files(a.weightsOverride) } : {}),
  }));
  return { packages, weights: files(manifest.profiles[profile]!.weights) };
}

export async function loadRepo(
  repo: string,
  options: { buckets?: string[]; device?: string; lazy?: boolean } = {},
): Promise<LoadedModel> {
  return loadPackages({
    ...repoPackages(repo, options.buckets),
    device: options.device ?? "cpu",
    torchDir: (await testTorch()).dir,
    cacheDir: soCacheDir,
    ...(options.lazy ? { lazy: true } : {}),
  });
}

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

/** io/<bucket>.safetensors: `input.<name>` tensors and the eager `output.<i>` tensors. */
export async function readBucketIo(repo: string, bucket: string): Promise<BucketIo> {
  const all = await readTensors(join(repo, "io", `${bucket}.safetensors`));
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

/** ||a - b|| / ||b||, the relative error architecture 2.3 uses against eager. */
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

// Issue 14 goal 2 on the GPU machine: the first call of a libtorch build in a fresh `node`
// process, against its steady call, and what that first call mapped (libnvrtc-builtins appears
// only when NVRTC compiles something, e.g. cuDNN building an attention engine). Bundled by
// bench/gpu/firstcall/pack.sh, run by its device.sh once per build and process:
//   node first-call.mjs <repo folder> <bucket> <cache dir> <out.json>
// Loads with loadPackages from the repo folder (no Hub), the bucket's io file as inputs.
const t0 = performance.now(); // ms since this process started

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPackages, type Tensor } from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";
import { readBucketIo, relativeError } from "../../../test/support/bucket-io.js";

const [repo, bucket, cacheDir, outFile] = process.argv.slice(2) as [string, string, string, string];
const steadyCalls = Number(process.env.FIRSTCALL_STEADY_CALLS ?? 20);

interface Manifest {
  weights: Record<string, { files: string[] }>;
  profiles: Record<string, { weights: string }>;
  artifacts: { path: string; profile: string; bucket: Bucket; runtime?: string }[];
}

const libraries = () =>
  new Set(
    readFileSync("/proc/self/maps", "utf8")
      .split("\n")
      .map((line) => line.split(/\s+/)[5] ?? "")
      .filter((path) => /\.so(\.|$)/.test(path))
      .map((path) => path.split("/").at(-1)!),
  );
const watched = (names: Set<string>) =>
  [...names].filter((n) => /nvrtc|cudnn_engines_runtime|nvJitLink|cublasLt/.test(n)).sort();

const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as Manifest;
const artifact = manifest.artifacts.find(
  (a) => a.bucket.name === bucket && (a.runtime ?? "libtorch") === "libtorch",
);
if (!artifact) throw new Error(`${repo}: no libtorch artifact for bucket ${bucket}`);
const io = await readBucketIo(repo, bucket);
const tImported = performance.now();
const model = await loadPackages({
  packages: [{ path: join(repo, artifact.path), bucket: artifact.bucket }],
  weights: manifest.weights[manifest.profiles[artifact.profile]!.weights]!.files.map((f) => join(repo, f)),
  device: process.env.FIRSTCALL_DEVICE ?? "cuda:0", // cpu: a smoke run of this script off the GPU
  cacheDir,
});
const tLoaded = performance.now();
const beforeFirst = libraries();
const [out] = (await model.run(io.inputs)) as Tensor[];
const tFirst = performance.now();
const mappedByFirst = [...libraries()].filter((n) => !beforeFirst.has(n)).sort();
const s2 = performance.now();
await model.run(io.inputs);
const second = performance.now() - s2;
const steady: number[] = [];
for (let i = 0; i < steadyCalls; i++) {
  const s = performance.now();
  await model.run(io.inputs);
  steady.push(performance.now() - s);
}
steady.sort((a, b) => a - b);
const figures = {
  repo,
  bucket,
  env: Object.fromEntries(
    Object.entries(process.env).filter(([k]) => /^(CUDA_MODULE_LOADING|TORCH_CUDNN|CUDNN_)/.test(k)),
  ),
  "process start to first output": tFirst,
  "node start + imports + io read": tImported,
  loadPackages: tLoaded - tImported,
  "first call": tFirst - tLoaded,
  "second call": second,
  "steady call (median)": steady[Math.floor(steady.length / 2)],
  "steady call (p90)": steady[Math.floor(steady.length * 0.9)],
  relErr: relativeError(out!, io.outputs[0]!),
  "mapped before the first call (watched)": watched(beforeFirst),
  "mapped by the first call": mappedByFirst,
  t0,
};
writeFileSync(outFile, `${JSON.stringify(figures, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(figures)}\n`);
model.dispose();
process.exit(0);

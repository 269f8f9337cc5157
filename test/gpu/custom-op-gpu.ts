// The CUDA path of the proxy executor, on the GPU machine (bundled by custom-op/run.sh): a model
// exported there whose attention is a CUDA custom op built there with nvcc, loaded with its kernel
// library by loadPackages and run from Node, checked against eager PyTorch (bf16). Writes a JSON
// of figures; exits non-zero on a failed check.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPackages, type Tensor } from "@aotihub/native";
import { readBucketIo, relativeError, sameBytes } from "../support/bucket-io.js";

const [repo, library, outFile] = process.argv.slice(2) as [string, string, string];
const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8"));
const results: Record<string, unknown> = { checks: [] as unknown[] };
let failed = false;
const check = (name: string, ok: boolean, detail: string) => {
  (results.checks as unknown[]).push({ name, ok, detail });
  console.log(`${ok ? "PASS" : "FAIL"} ${name}: ${detail}`);
  if (!ok) failed = true;
};

try {
  const started = performance.now();
  const model = await loadPackages({
    packages: manifest.artifacts.map((a: { path: string; bucket: unknown }) => ({
      path: join(repo, a.path),
      bucket: a.bucket,
    })),
    weights: [join(repo, "weights", "bf16", "model.safetensors")],
    device: "cuda:0",
    kernelLibraries: [library],
  });
  results.loadMs = performance.now() - started;
  results.stats = model.stats;
  for (const artifact of manifest.artifacts as { bucket: { name: string } }[]) {
    const bucket = artifact.bucket.name;
    const io = await readBucketIo(repo, bucket);
    let t = performance.now();
    const [out] = (await model.run(io.inputs)) as Tensor[];
    const firstMs = performance.now() - t;
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      t = performance.now();
      await model.run(io.inputs);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const err = relativeError(out!, io.outputs[0]!);
    const [again] = (await model.run(io.inputs)) as Tensor[];
    const identical = sameBytes(again!, out!);
    results[bucket] = {
      relErr: err,
      firstCallMs: firstMs,
      steadyMedianMs: times[50],
      steadyP90Ms: times[90],
      identical,
    };
    check(`${bucket} vs eager bf16`, err <= 1e-2, `relative error ${err.toExponential(2)} (<= 1e-2)`);
    check(`${bucket} run twice`, identical, identical ? "bit-identical" : "differs");
  }
  model.dispose();
} catch (error) {
  check("no exception", false, error instanceof Error ? `${error.message}\n${error.stack}` : String(error));
}
writeFileSync(outFile, JSON.stringify(results, null, 2));
process.exit(failed ? 1 : 0);

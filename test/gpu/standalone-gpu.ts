// Issue 13 on the GPU machine (bundled by run.sh, `run.sh standalone`): models exported with
// runtime="standalone" for CUDA run on the addon's own shim and libcudart in a process that never
// maps libtorch; outputs match the eager references the export helper computed on that GPU.
// Figures: this process's start to the first output (node start included), and the steady call.
// Writes a results JSON; exits non-zero on a failed or missing check.

import { readFileSync } from "node:fs";
import { loadPackages, type Tensor } from "@aotihub/native";
import { readBucketIo, relativeError, sameBytes } from "../support/bucket-io.js";
import { repoPackages } from "../support/repo-packages.js";
import { createChecks } from "./gpu-harness.js";

// AOTIHUB_GPU_RUNTIME=libtorch runs the same script on the libtorch builds, as the anchor.
const runtime = process.env.AOTIHUB_GPU_RUNTIME === "libtorch" ? "libtorch" : "standalone";
const [outFile, cacheDir, cudaRuntimeLibrary, ...cases] = process.argv.slice(2) as [
  string,
  string,
  string,
  ...string[],
];
// cases: "<repo folder>:<bucket>:<tolerance>"
const planned = cases.flatMap((c) => {
  const name = c.split(":")[0]!.split("/").at(-1)!;
  return [`${name} loads and runs without libtorch`, `${name} vs eager`, `${name} repeat is bit-identical`];
});
const { check, unexpected, figures, finish } = createChecks([...planned, "no libtorch mapped"]);
try {
  let firstOutputMs: number | undefined;
  for (const c of cases) {
    const [repo, bucket, tolerance] = c.split(":") as [string, string, string];
    const name = repo.split("/").at(-1)!;
    const io = await readBucketIo(repo, bucket);
    const loadStarted = performance.now();
    const model = await loadPackages({
      ...repoPackages(repo, [bucket]),
      device: "cuda:0",
      runtime,
      cacheDir,
      ...(runtime === "standalone" && cudaRuntimeLibrary !== "-" && { cudaRuntimeLibrary }),
    });
    const loadMs = performance.now() - loadStarted;
    const [out] = (await model.run(io.inputs)) as Tensor[];
    firstOutputMs ??= performance.now();
    check(`${name} loads and runs without libtorch`, out !== undefined, `load ${loadMs.toFixed(1)} ms`);
    const err = relativeError(out!, io.outputs[0]!);
    check(
      `${name} vs eager`,
      err <= Number(tolerance),
      `relative error ${err.toExponential(2)} (<= ${tolerance})`,
    );
    const times: number[] = [];
    let same = true;
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      const [again] = (await model.run(io.inputs)) as Tensor[];
      times.push(performance.now() - started);
      if (i === 0) same = sameBytes(again!, out!);
    }
    times.sort((a, b) => a - b);
    check(`${name} repeat is bit-identical`, same, "second call vs first");
    figures[name] = { loadMs, relErr: err, steadyMedianMs: times[100], steadyP90Ms: times[180] };
    model.dispose();
  }
  figures.processStartToFirstOutputMs = firstOutputMs;
  const torchLibs = readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .filter((line) => /\/lib(torch|c10)[^/]*\.so/.test(line));
  check(
    "no libtorch mapped",
    (torchLibs.length === 0) === (runtime === "standalone"),
    torchLibs.slice(0, 2).join("; ") || "none",
  );
} catch (error) {
  unexpected(error);
}
await finish(outFile, "standalone-gpu");

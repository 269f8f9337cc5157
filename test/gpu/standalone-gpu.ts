// Issue 13 on the GPU machine (bundled by run.sh, `run.sh standalone`): models exported with
// runtime="standalone" for CUDA run on the addon's own shim and libcudart in a process that never
// maps libtorch; outputs match the eager references the export helper computed on that GPU.
// Figures: this process's start to the first output (node start included), and the steady call.
// Writes a results JSON; exits non-zero on a failed or missing check.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type LoadPackagesOptions, loadPackages, type PackageSpec, type Tensor } from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";
import { readBucketIo, relativeError, sameBytes } from "../support/bucket-io.js";
import { createChecks } from "./gpu-harness.js";

// AOTIHUB_GPU_RUNTIME=libtorch runs the same script on the libtorch builds, as the anchor.
const runtime = process.env.AOTIHUB_GPU_RUNTIME === "libtorch" ? "libtorch" : "standalone";
const [outFile, cacheDir, cudaRuntimeLibrary, ...cases] = process.argv.slice(2) as [
  string,
  string,
  string,
  ...string[],
];
// AOTIHUB_GPU_STEADY_CALLS: how many steady calls after the first (200 unless told).
const steadyCalls = Number(process.env.AOTIHUB_GPU_STEADY_CALLS ?? 200);

interface ManifestShape {
  weights: Record<string, { files: string[] }>;
  profiles: Record<string, { weights: string }>;
  artifacts: { path: string; profile: string; bucket: Bucket; weightsOverride?: string; runtime?: string }[];
}

/** One profile's artifact of one bucket for this runtime (a repo may hold both runtimes' builds). */
function casePackages(
  repo: string,
  bucket: string,
  profile?: string,
): Pick<LoadPackagesOptions, "packages" | "weights"> {
  const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as ManifestShape;
  const chosen = profile ?? manifest.artifacts[0]!.profile;
  const artifacts = manifest.artifacts.filter(
    (a) => a.profile === chosen && a.bucket.name === bucket && (a.runtime ?? "libtorch") === runtime,
  );
  if (artifacts.length !== 1)
    throw new Error(`${repo}: ${artifacts.length} ${runtime} artifacts for ${chosen}/${bucket}`);
  const files = (set: string) => manifest.weights[set]!.files.map((f) => join(repo, f));
  const packages: PackageSpec[] = artifacts.map((a) => ({
    path: join(repo, a.path),
    bucket: a.bucket,
    ...(a.weightsOverride ? { weights: files(a.weightsOverride) } : {}),
  }));
  return { packages, weights: files(manifest.profiles[chosen]!.weights) };
}

// cases: "<repo folder>:<bucket>:<tolerance>[:<profile>]"
const caseName = (c: string) => {
  const [repo, , , profile] = c.split(":");
  return repo!.split("/").at(-1)! + (profile ? `/${profile}` : "");
};
const planned = cases.flatMap((c) => {
  const name = caseName(c);
  return [`${name} loads and runs without libtorch`, `${name} vs eager`, `${name} repeat is bit-identical`];
});
const { check, unexpected, figures, finish } = createChecks([...planned, "no libtorch mapped"]);
try {
  let firstOutputMs: number | undefined;
  for (const c of cases) {
    const [repo, bucket, tolerance, profile] = c.split(":") as [string, string, string, string?];
    const name = caseName(c);
    const io = await readBucketIo(repo, bucket, profile);
    const loadStarted = performance.now();
    const model = await loadPackages({
      ...casePackages(repo, bucket, profile),
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
    for (let i = 0; i < steadyCalls; i++) {
      const started = performance.now();
      const [again] = (await model.run(io.inputs)) as Tensor[];
      times.push(performance.now() - started);
      if (i === 0) same = sameBytes(again!, out!);
    }
    times.sort((a, b) => a - b);
    check(`${name} repeat is bit-identical`, same, "second call vs first");
    figures[name] = {
      loadMs,
      firstOutputMs: firstOutputMs,
      relErr: err,
      steadyMedianMs: times[Math.floor(times.length / 2)],
      steadyP90Ms: times[Math.floor(times.length * 0.9)],
    };
    model.dispose();
  }
  figures.processStartToFirstOutputMs = firstOutputMs;
  const maps = readFileSync("/proc/self/maps", "utf8").split("\n");
  const torchLibs = maps.filter((line) => /\/lib(torch|c10)[^/]*\.so/.test(line));
  // Every shared library this process mapped: what a service on this runtime needs installed.
  figures.mappedLibraries = [
    ...new Set(
      maps.map((line) => line.split(/\s+/)[5] ?? "").filter((path) => /\.so(\.|$)|\.node$/.test(path)),
    ),
  ];
  check(
    "no libtorch mapped",
    (torchLibs.length === 0) === (runtime === "standalone"),
    torchLibs.slice(0, 2).join("; ") || "none",
  );
} catch (error) {
  unexpected(error);
}
await finish(outFile, "standalone-gpu");

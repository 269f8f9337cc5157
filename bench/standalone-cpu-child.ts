// One fresh process of bench/standalone-cpu.bench.ts: load one repo's bucket with the runtime
// given, print the first output's time and the steady per-call time, then exit.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadPackages, type RuntimeKind } from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";
import { readBucketIo } from "../test/support/bucket-io.js";

const [runtime, repo, bucket, torchDir, cacheDir, callsText] = process.argv.slice(2) as [
  RuntimeKind,
  string,
  string,
  string,
  string,
  string,
];
const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as {
  weights: Record<string, { files: string[] }>;
  profiles: Record<string, { weights: string }>;
  artifacts: { path: string; profile: string; bucket: Bucket }[];
};
const artifact = manifest.artifacts.find((a) => a.bucket.name === bucket)!;
const weights = manifest.weights[manifest.profiles[artifact.profile]!.weights]!.files.map((f) =>
  join(repo, f),
);
const { inputs } = await readBucketIo(repo, bucket);
const model = await loadPackages({
  packages: [{ path: join(repo, artifact.path), bucket: artifact.bucket }],
  weights,
  device: "cpu",
  runtime,
  cacheDir,
  ...(runtime === "libtorch" ? { torchDir } : {}),
});
model.runSync(inputs);
const firstOutputMs = performance.now();
const calls = Number(callsText);
for (let i = 0; i < 20; i++) model.runSync(inputs);
const t = performance.now();
for (let i = 0; i < calls; i++) model.runSync(inputs);
const steadyUs = ((performance.now() - t) / calls) * 1000;
const mapped = readFileSync("/proc/self/maps", "utf8")
  .split("\n")
  .map((l) => l.split(/\s+/)[5] ?? "")
  .filter((p) => p.includes(".so"));
process.stdout.write(
  `${JSON.stringify({ firstOutputMs, runtimeLoadMs: model.stats.torchLoadMs, steadyUs, mapped: [...new Set(mapped)] })}\n`,
);
model.dispose();

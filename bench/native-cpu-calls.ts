// One process of bench/native-cpu.bench.ts: per-call times of one CPU model through run() and/or
// runSync(), with a given build of @aotihub/native (its dist/index.js), printed as one JSON line.
// A process per measurement, because what a process did before (an OpenMP team opened on another
// thread) changes what it measures next.
//
//   tsx bench/native-cpu-calls.ts '<json: { native, torchDir, cacheDir, repo, modes, calls }>'
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Native from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";
import { readBucketIo } from "../test/support/bucket-io.js";

export type CallMode = "run" | "runSync";

export interface CallsSpec {
  /** dist/index.js of the @aotihub/native build to measure. */
  native: string;
  torchDir: string;
  cacheDir: string;
  /** A test model repo (aotihub.json, io/). */
  repo: string;
  /** Measured one after the other in this process, in this order. */
  modes: CallMode[];
  calls: number;
}

/** bucket -> mode -> median us per call. */
export type CallsResult = Record<string, Partial<Record<CallMode, number>>>;

const spec = JSON.parse(process.argv[2]!) as CallsSpec;
const native = (await import(pathToFileURL(spec.native).href)) as typeof Native;
const manifest = JSON.parse(readFileSync(join(spec.repo, "aotihub.json"), "utf8")) as {
  weights: Record<string, { files: string[] }>;
  profiles: Record<string, { weights: string }>;
  artifacts: { path: string; profile: string; bucket: Bucket }[];
};
const profile = manifest.artifacts[0]!.profile;
const model = await native.loadPackages({
  packages: manifest.artifacts.map((a) => ({ path: join(spec.repo, a.path), bucket: a.bucket })),
  weights: manifest.weights[manifest.profiles[profile]!.weights]!.files.map((f) => join(spec.repo, f)),
  device: "cpu",
  torchDir: spec.torchDir,
  cacheDir: spec.cacheDir,
});

const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
const result: CallsResult = {};
for (const { bucket } of manifest.artifacts) {
  const { inputs } = await readBucketIo(spec.repo, bucket.name);
  result[bucket.name] = {};
  for (const mode of spec.modes) {
    const us: number[] = [];
    if (mode === "run") {
      for (let i = 0; i < 50; i++) await model.run(inputs);
      for (let i = 0; i < spec.calls; i++) {
        const t = process.hrtime.bigint();
        await model.run(inputs);
        us.push(Number(process.hrtime.bigint() - t) / 1000);
      }
    } else {
      for (let i = 0; i < 50; i++) model.runSync(inputs);
      for (let i = 0; i < spec.calls; i++) {
        const t = process.hrtime.bigint();
        model.runSync(inputs);
        us.push(Number(process.hrtime.bigint() - t) / 1000);
      }
    }
    result[bucket.name]![mode] = median(us);
  }
}
model.dispose();
process.stdout.write(`${JSON.stringify(result)}\n`);

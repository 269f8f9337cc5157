// Runs `loadCompiled` in this (child) process, once per load asked, one after the other, and prints
// the outcomes as one JSON line: for each, the runtime and artifacts chosen, each output, and the
// shared libraries this process has mapped by then. For tests that must control what the process
// can find (no torch) and inspect what it loaded, which the test runner's own process cannot.
// Argument: one JSON object (ChildRequest).
import { readFileSync } from "node:fs";
import { loadCompiled, type RuntimeOption } from "../../packages/loader/src/index.js";
import type { Tensor } from "../../packages/native/lib/index.js";
import { readBucketIo } from "./bucket-io.js";

export interface ChildLoad {
  ref: string;
  runtime?: RuntimeOption;
  /** Default "cpu". */
  device?: "auto" | "cpu";
}

export interface ChildRequest {
  /** Loaded in order in this one process; each model stays loaded. */
  loads: ChildLoad[];
  /** HF_ENDPOINT and a fresh HF_HOME for this child. */
  endpoint: string;
  hfHome: string;
  /** Repo folder on disk whose io/<bucket>.safetensors inputs are run, for every bucket loaded. */
  ioRepo: string;
}

export interface ChildOutcome {
  code?: string;
  message?: string;
  runtime?: string;
  chosen?: string[];
  explain?: string;
  outputs?: Record<string, { dtype: string; shape: number[]; data: number[] }[]>;
  /** Every mapped file named libtorch* or libc10* (from /proc/self/maps). */
  torchLibraries?: string[];
  /** The load's stage table (stats.stages). */
  stages?: Record<string, number>;
}

const request = JSON.parse(process.argv[2]!) as ChildRequest;
const outcomes: ChildOutcome[] = [];
for (const load of request.loads) outcomes.push(await loadAndRun(load));
console.log(JSON.stringify(outcomes));

async function loadAndRun(load: ChildLoad): Promise<ChildOutcome> {
  try {
    const model = await loadCompiled(load.ref, {
      device: load.device ?? "cpu",
      trustRemoteCode: true,
      lockfile: false,
      reuse: false,
      hub: {
        endpoint: request.endpoint,
        token: undefined,
        hfHome: request.hfHome,
        cacheDir: `${request.hfHome}/hub`,
        offline: false,
      },
      ...(load.runtime !== undefined && { runtime: load.runtime }),
    });
    const outputs: NonNullable<ChildOutcome["outputs"]> = {};
    for (const bucket of model.variants.map((v) => v.bucket.name)) {
      const { inputs } = await readBucketIo(request.ioRepo, bucket);
      const result = (await model.run(inputs)) as Tensor[];
      outputs[bucket] = result.map((t) => ({
        dtype: t.dtype,
        shape: t.shape,
        data: Array.from(t.data as ArrayLike<number>, Number),
      }));
    }
    return {
      runtime: model.runtime,
      chosen: model.variants.map((v) => v.path),
      explain: model.explain(),
      outputs,
      torchLibraries: torchLibrariesMapped(),
      ...(model.stats.stages !== undefined && { stages: model.stats.stages }),
    };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return {
      code: e.code ?? `untyped: ${String(error)}`,
      message: e.message ?? String(error),
      torchLibraries: torchLibrariesMapped(),
    };
  }
}

function torchLibrariesMapped(): string[] {
  const maps = readFileSync("/proc/self/maps", "utf8");
  const files = new Set<string>();
  for (const line of maps.split("\n")) {
    const file = line.split(/\s+/)[5];
    if (file && /\/lib(torch|c10)[^/]*\.so/.test(file)) files.add(file);
  }
  return [...files].sort();
}

// Runs `loadCompiled` in this (child) process and prints the outcome as one JSON line: the runtime
// and artifacts chosen, each output, and the shared libraries this process has mapped. For tests
// that must control what the process can find (no torch) and inspect what it loaded, which the
// test runner's own process cannot. Argument: one JSON object (ChildRequest).
import { readFileSync } from "node:fs";
import { loadCompiled, type RuntimeOption } from "../../packages/loader/src/index.js";
import type { Tensor } from "../../packages/native/lib/index.js";
import { readBucketIo } from "./bucket-io.js";

export interface ChildRequest {
  ref: string;
  runtime?: RuntimeOption;
  /** HF_ENDPOINT and a fresh HF_HOME for this child. */
  endpoint: string;
  hfHome: string;
  /** Repo folder on disk whose io/<bucket>.safetensors inputs are run. */
  ioRepo: string;
  buckets: string[];
}

export interface ChildOutcome {
  code?: string;
  message?: string;
  runtime?: string;
  chosen?: string[];
  explain?: string;
  outputs?: Record<string, { dtype: string; shape: number[]; data: number[] }[]>;
  /** Every mapped file whose name says libtorch, c10 or torch_ (from /proc/self/maps). */
  torchLibraries?: string[];
}

const request = JSON.parse(process.argv[2]!) as ChildRequest;
let outcome: ChildOutcome;
try {
  const model = await loadCompiled(request.ref, {
    device: "cpu",
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
    ...(request.runtime !== undefined && { runtime: request.runtime }),
  });
  const outputs: NonNullable<ChildOutcome["outputs"]> = {};
  for (const bucket of request.buckets) {
    const { inputs } = await readBucketIo(request.ioRepo, bucket);
    const result = (await model.run(inputs)) as Tensor[];
    outputs[bucket] = result.map((t) => ({
      dtype: t.dtype,
      shape: t.shape,
      data: Array.from(t.data as ArrayLike<number>, Number),
    }));
  }
  outcome = {
    runtime: model.runtime,
    chosen: model.variants.map((v) => v.path),
    explain: model.explain(),
    outputs,
    torchLibraries: torchLibrariesMapped(),
  };
  model.dispose();
} catch (error) {
  const e = error as { code?: string; message?: string };
  outcome = { code: e.code ?? `untyped: ${String(error)}`, message: e.message ?? String(error) };
  outcome.torchLibraries = torchLibrariesMapped();
}
console.log(JSON.stringify(outcome));

function torchLibrariesMapped(): string[] {
  const maps = readFileSync("/proc/self/maps", "utf8");
  const files = new Set<string>();
  for (const line of maps.split("\n")) {
    const file = line.split(/\s+/)[5];
    if (file && /\/lib(torch|c10)[^/]*\.so/.test(file)) files.add(file);
  }
  return [...files].sort();
}

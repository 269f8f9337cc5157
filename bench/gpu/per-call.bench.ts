// Per-call cost of the 53M DiT (bench/gpu/dit_1024.py) on the GPU, issue 14 goal 3: `run` and
// `runSync`, inputs and outputs on the device or on the host, in interleaved rounds so that clock
// drift hits every mode alike. Works with an older build too (what it lacks is skipped), so
// bench/gpu/device.sh runs it for "old" and "new" and the C ABI anchor (bench/anchor) between them.
// With AOTIHUB_RUN_TRACE set, a build that records stages (run-trace.h) also says where each
// call's time went. Prints a table and writes a JSON file.
//   node per-call.mjs <label> <repo> <so-cache> <out.json> [rounds] [calls per mode and round]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findTorch, type LoadedModel, loadPackages, readSafetensors, type Tensor } from "@aotihub/native";
import { binding } from "../../packages/native/lib/binding.js";
import { readBucketIo } from "../../test/support/bucket-io.js";
import { repoPackages } from "../../test/support/repo-packages.js";

const [label, repo, soCache, outFile, roundsArg, callsArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
  string | undefined,
];
const rounds = Number(roundsArg ?? 3);
const calls = Number(callsArg ?? 400);
const say = (line: string) => process.stderr.write(`[${label}] ${line}\n`);
const quantile = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) * q)]!;
const round1 = (x: number) => Number(x.toFixed(1));

const torch = await findTorch({ pythons: ["python3"] });
const model: LoadedModel = await loadPackages({
  ...repoPackages(repo),
  device: process.env.BENCH_DEVICE ?? "cuda:0",
  torchDir: torch.dir,
  cacheDir: soCache,
});
const io = await readBucketIo(repo, model.variants[0]!.name);
const inputs = model.inputNames.map((n) => io.inputs[n]!);
if (process.env.ANCHOR_DIR) await writeAnchorFiles(process.env.ANCHOR_DIR);
const onDevice =
  process.env.BENCH_DEVICE !== "cpu" ? await Promise.all(inputs.map((t) => model.toDevice(t))) : undefined;
// The device outputs' dispose() (a libtorch tensor freed on the JS thread) is part of every device
// I/O call, as the anchor frees its outputs in its loop; its own time is kept apart too, to split
// the JS side of a call into the run's wrappers and this.
let disposeUs: number[] = [];
const disposeAll = (outs: unknown[]) => {
  const t = performance.now();
  for (const o of outs) (o as { dispose?: () => void }).dispose?.();
  disposeUs.push((performance.now() - t) * 1000);
};

const modes: [string, () => unknown][] = [];
if (onDevice) {
  modes.push(["runSync, device I/O", () => disposeAll(model.runSync(onDevice, { keepOnDevice: true }))]);
  modes.push(["run, device I/O", async () => disposeAll(await model.run(onDevice, { keepOnDevice: true }))]);
}
modes.push(["runSync, host I/O", () => model.runSync(inputs)]);
modes.push(["run, host I/O", () => model.run(inputs)]);
// Host outputs written into the same arrays every call (the `out` option; a build without it
// ignores the option and allocates, so "old" shows what the option saves).
const outArrays = model.runSync(inputs).map((t) => {
  const data = (t as Tensor).data;
  return new (data.constructor as new (n: number) => typeof data)(data.length);
});
modes.push(["runSync, host I/O, out arrays", () => model.runSync(inputs, { out: outArrays })]);
modes.push(["run, host I/O, out arrays", () => model.run(inputs, { out: outArrays })]);

// An older build has no trace.
const trace = (binding() as unknown as { runTrace?: () => Float64Array }).runTrace;
const tracing = trace !== undefined && process.env.AOTIHUB_RUN_TRACE !== undefined;
// Stage names as run-trace.h orders its stamps: each is the time from one stamp to the next.
const STAGES = ["capture (JS)", "queue", "launch", "outputs + sync", "finish", "hop back", "settle (JS)"];
const samples = new Map<string, number[]>(modes.map(([name]) => [name, []]));
const roundMedians = new Map<string, number[]>(modes.map(([name]) => [name, []]));
const stages = new Map<string, number[][]>(modes.map(([name]) => [name, STAGES.map(() => [])]));
const endToSettle = new Map<string, number[]>(modes.map(([name]) => [name, []]));
// Per call, what the call took in JS minus its native entry-to-settled span: the JS side, call by
// call (a difference of two medians compares phases when the host flips between them).
const jsSide = new Map<string, number[]>(modes.map(([name]) => [name, []]));
const disposeUsByMode = new Map<string, number[]>(modes.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, call] of modes) {
    for (let i = 0; i < 30; i++) await call();
    trace?.();
    disposeUs = [];
    const us: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await call();
      us.push((performance.now() - t) * 1000);
    }
    samples.get(name)!.push(...us);
    disposeUsByMode.get(name)!.push(...disposeUs);
    roundMedians.get(name)!.push(round1(quantile(us, 0.5)));
    if (tracing) {
      const t = trace!();
      for (let i = 0; i + 8 <= t.length; i += 8) {
        for (let s = 0; s < STAGES.length; s++) stages.get(name)![s]!.push(t[i + s + 1]! - t[i + s]!);
        endToSettle.get(name)!.push(t[i + 7]! - t[i]!);
      }
      if (t.length === us.length * 8)
        for (const [i, u] of us.entries()) jsSide.get(name)!.push(u - (t[i * 8 + 7]! - t[i * 8]!));
    }
  }
}

const figures: Record<string, unknown> = { label, rounds, calls };
// Started with the --import hook (device.sh's hook label): what its early thread did (an older
// build has no such binding).
const early = (binding() as unknown as { cudaContextEarlyTimes?: () => unknown }).cudaContextEarlyTimes?.();
if (early !== undefined) {
  figures.cudaContextEarly = early;
  say(`early driver start: ${JSON.stringify(early)}`);
}
// Whether run() kept the event loop polling while in flight (src/runtime/event-loop-spin.h).
const spins = (binding() as unknown as { runLoopSpins?: () => unknown }).runLoopSpins?.();
if (spins !== undefined) figures.runLoopSpins = spins;
for (const [name] of modes) {
  const v = samples.get(name)!;
  const f: Record<string, unknown> = {
    median: round1(quantile(v, 0.5)),
    p10: round1(quantile(v, 0.1)),
    p90: round1(quantile(v, 0.9)),
    roundMedians: roundMedians.get(name),
  };
  if (tracing && endToSettle.get(name)!.length > 0) {
    f.stagesMedianUs = Object.fromEntries(
      STAGES.map((s, i) => [s, round1(quantile(stages.get(name)![i]!, 0.5))]),
    );
    f.nativeEntryToSettledMedianUs = round1(quantile(endToSettle.get(name)!, 0.5));
    if (jsSide.get(name)!.length > 0) f.jsSideMedianUs = round1(quantile(jsSide.get(name)!, 0.5));
  }
  if (disposeUsByMode.get(name)!.length > 0)
    f.disposeOutputsMedianUs = round1(quantile(disposeUsByMode.get(name)!, 0.5));
  figures[name] = f;
  say(
    `${name}: median ${f.median} us (p10 ${f.p10}, p90 ${f.p90}; rounds ${roundMedians.get(name)!.join(" / ")})`,
  );
  if (f.stagesMedianUs)
    say(
      `  stages: ${JSON.stringify(f.stagesMedianUs)}; JS side per call ${f.jsSideMedianUs ?? "?"} us, of which disposing the outputs ${f.disposeOutputsMedianUs ?? 0}`,
    );
}
// The same output either way (one host run against one device run read back).
if (onDevice) {
  const [hostOut] = (await model.run(inputs)) as Tensor[];
  const [dev] = await model.run(onDevice, { keepOnDevice: true });
  const back = await (dev as unknown as { toHost(): Promise<Tensor> }).toHost();
  figures["device output == host output"] =
    Buffer.compare(
      Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength),
      Buffer.from(hostOut!.data.buffer, hostOut!.data.byteOffset, hostOut!.data.byteLength),
    ) === 0;
}
// The `out` arrays hold what a plain run returns (a build without the option returns new arrays,
// which must match too).
{
  const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const plain = (await model.run(inputs)) as Tensor[];
  for (const a of outArrays) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).fill(0);
  const filled = (await model.run(inputs, { out: outArrays })) as Tensor[];
  const synced = model.runSync(inputs, { out: outArrays }) as Tensor[];
  figures["out arrays == host output"] = plain.every(
    (p, i) =>
      Buffer.compare(bytes(p), bytes(filled[i]!)) === 0 && Buffer.compare(bytes(p), bytes(synced[i]!)) === 0,
  );
  figures["out arrays are the outputs"] = filled.every((t, i) => t.data === outArrays[i]);
  say(
    `out arrays: same bytes ${figures["out arrays == host output"]}, same arrays ${figures["out arrays are the outputs"]}`,
  );
}
model.dispose();
writeFileSync(outFile, `${JSON.stringify(figures, null, 2)}\n`);
process.exit(0);

// What the anchor (bench/anchor/aoti-abi-loop.cc) reads: the weights to bind, and these same inputs.
async function writeAnchorFiles(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const codes: Record<string, number> = {
    float32: 6,
    float16: 5,
    bfloat16: 15,
    int64: 4,
    int32: 3,
    uint8: 0,
    int8: 1,
    bool: 11,
  };
  const bind: string[] = [];
  for (const w of repoPackages(repo).weights) {
    for (const t of (await readSafetensors(w)).tensors)
      bind.push(
        `${t.name} ${codes[t.dtype]} ${w} ${t.byteOffset} ${t.byteLength} ${t.shape.length} ${t.shape.join(" ")}`,
      );
  }
  writeFileSync(join(dir, "bind.txt"), `${bind.join("\n")}\n`);
  const lines = inputs.map((t, i) => {
    const file = join(dir, `input${i}.bin`);
    writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    return `${codes[t.dtype]} ${t.data.BYTES_PER_ELEMENT} ${t.shape.length} ${t.shape.join(" ")} ${file}`;
  });
  writeFileSync(join(dir, "inputs.txt"), `${lines.join("\n")}\n`);
}

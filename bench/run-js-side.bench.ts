// What `runSync()` / `run()` spend in JavaScript per call on the CPU tiny MLP (issue 14 goal 3's JS
// side): each call through LoadedModel against the binding's runContainerSync called directly on the
// same container with native inputs built once (the "native only" anchor), in interleaved blocks
// of one process; the difference of the medians is the JS side. With AOTIHUB_RUN_TRACE set, each
// LoadedModel call's JS side is also measured call by call (its time minus the native entry-to-settled
// span, as bench/gpu/per-call.bench.ts computes jsSideMedianUs).
//
// One process per build and round (fresh processes, builds alternating), so a before/after pair comes
// from the same run:
//   pnpm exec tsx bench/run-js-side.bench.ts [--before <built checkout>] [--rounds 6] [--calls 2000]
// A child (`--child '<json>'`) measures one build and prints one JSON line.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

interface ChildSpec {
  checkout: string;
  /** Test model repos by name (tiny-mlp: one input, buckets b2 and b4; multi-io: three inputs, three outputs). */
  repos: Record<string, string>;
  torchDir: string;
  cacheDir: string;
  calls: number;
  blocks: number;
  /** A pause between calls (not timed), the JS thread asleep as while a GPU run is in flight. */
  gapUs: number;
}
/** mode -> median us per call; "<mode> jsSide" for the traced per-call JS side. */
type ChildResult = Record<string, number>;

const { values } = parseArgs({
  options: {
    child: { type: "string" },
    before: { type: "string" },
    rounds: { type: "string", default: "6" },
    calls: { type: "string", default: "2000" },
    blocks: { type: "string", default: "4" },
    models: { type: "string", default: "tiny-mlp,multi-io" },
    "gap-us": { type: "string", default: "0" },
  },
});

if (values.child !== undefined) {
  process.stdout.write(`${JSON.stringify(await child(JSON.parse(values.child) as ChildSpec))}\n`);
} else {
  await parent();
}

async function parent(): Promise<void> {
  const { ensureTestModels } = await import("../test/support/test-models.js");
  const { testPython } = await import("../test/support/python.js");
  const { repoRoot } = await import("../test/support/repo-root.js");
  const { findTorch } = await import("@aotihub/native");
  const models = await ensureTestModels();
  const torch = await findTorch({ pythons: [testPython()] });
  const builds = [
    ...(values.before ? [{ label: `before (${gitHead(values.before)})`, checkout: values.before }] : []),
    { label: `this build (${gitHead(repoRoot)})`, checkout: repoRoot },
  ];
  const rounds = Number(values.rounds);
  const results = new Map<string, ChildResult[]>(builds.map((b) => [b.label, []]));
  process.stderr.write(`load average at the start ${loadavg()[0]!.toFixed(1)}\n`);
  for (let r = 0; r < rounds; r++) {
    // Alternate which build goes first, so a drift of the machine hits both alike.
    for (const b of r % 2 === 0 ? builds : [...builds].reverse()) {
      const spec: ChildSpec = {
        checkout: b.checkout,
        repos: Object.fromEntries(
          values.models!.split(",").map((m) => [m, models.models[m as keyof typeof models.models]]),
        ),
        torchDir: torch.dir,
        cacheDir: join(repoRoot, ".cache", "native-test-so"),
        calls: Number(values.calls),
        blocks: Number(values.blocks),
        gapUs: Number(values["gap-us"]),
      };
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, process.argv[1]!, "--child", JSON.stringify(spec)],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      const res = JSON.parse(out.trim().split("\n").at(-1)!) as ChildResult;
      results.get(b.label)!.push(res);
      process.stderr.write(`round ${r + 1} ${b.label}: ${JSON.stringify(res)}\n`);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[(v.length - 1) >> 1]!;
  const keys = Object.keys(results.get(builds.at(-1)!.label)![0]!);
  console.log(
    `\n${cpus()[0]?.model} (${cpus().length} cores), Node ${process.version}, load average at the end ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(
    `us per call: median over ${rounds} processes of each process's median (range); ${values.calls} calls x ${values.blocks} blocks per mode and process; pause between calls ${values["gap-us"]} us\n`,
  );
  console.log(`| figure | ${builds.map((b) => b.label).join(" | ")} |`);
  console.log(`| --- | ${builds.map(() => "---").join(" | ")} |`);
  for (const k of keys) {
    const cells = builds.map((b) => {
      const v = results
        .get(b.label)!
        .map((x) => x[k]!)
        .filter((x) => x !== undefined);
      return v.length === 0
        ? ""
        : `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)}-${Math.max(...v).toFixed(1)})`;
    });
    console.log(`| ${k} | ${cells.join(" | ")} |`);
  }
}

async function child(spec: ChildSpec): Promise<ChildResult> {
  const dist = join(spec.checkout, "packages/native/dist");
  const native = (await import(
    pathToFileURL(join(dist, "index.js")).href
  )) as typeof import("@aotihub/native");
  // The same module instance LoadedModel uses, so the same loaded addon.
  const { binding } = (await import(
    pathToFileURL(join(dist, "binding.js")).href
  )) as typeof import("../packages/native/lib/binding.js");
  const { readBucketIo } = await import("../test/support/bucket-io.js");
  const addon = binding();
  const modes: [string, () => unknown][] = [];
  const pairs: [string, string, string][] = []; // [figure, LoadedModel mode, direct mode]
  const models: import("@aotihub/native").LoadedModel[] = [];
  for (const [modelName, repo] of Object.entries(spec.repos)) {
    const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as {
      weights: Record<string, { files: string[] }>;
      profiles: Record<string, { weights: string }>;
      artifacts: { path: string; profile: string; bucket: import("@aotihub/registry").Bucket }[];
    };
    const profile = manifest.artifacts[0]!.profile;
    // Every bucket (tiny-mlp: b2, b4): a b4 input is checked against b2 first, as in a model of
    // several buckets.
    const model = await native.loadPackages({
      packages: manifest.artifacts.map((a) => ({ path: join(repo, a.path), bucket: a.bucket })),
      weights: manifest.weights[manifest.profiles[profile]!.weights]!.files.map((f) => join(repo, f)),
      device: "cpu",
      torchDir: spec.torchDir,
      cacheDir: spec.cacheDir,
    });
    models.push(model);
    // The containers LoadedModel runs (a private field: a benchmark may look, nothing else does).
    const variants = (
      model as unknown as { variantList: { name: string; opened(): { handle: unknown } | null }[] }
    ).variantList;
    for (const { bucket } of manifest.artifacts) {
      const { inputs } = await readBucketIo(repo, bucket.name);
      const positional = model.inputNames.map((n) => inputs[n]!);
      const handle = variants.find((v) => v.name === bucket.name)!.opened()!.handle as never;
      // Built once: what LoadedModel hands the addon on every call.
      const nativeInputs = positional.map((t) => ({ dtype: t.dtype, shape: [...t.shape], data: t.data }));
      const outArrays = (model.runSync(positional) as import("@aotihub/native").Tensor[]).map((t) => {
        const data = t.data;
        return new (data.constructor as new (n: number) => typeof data)(data.length);
      });
      const b = `${modelName} ${bucket.name}`;
      modes.push([`${b} direct`, () => addon.runContainerSync(handle, nativeInputs, false)]);
      modes.push([`${b} runSync`, () => model.runSync(positional)]);
      modes.push([`${b} runSync named`, () => model.runSync(inputs)]);
      modes.push([`${b} run`, () => model.run(positional)]);
      modes.push([`${b} direct, out`, () => addon.runContainerSync(handle, nativeInputs, false, outArrays)]);
      modes.push([`${b} runSync, out`, () => model.runSync(positional, { out: outArrays })]);
      pairs.push([`${b} runSync - direct`, `${b} runSync`, `${b} direct`]);
      pairs.push([`${b} runSync named - direct`, `${b} runSync named`, `${b} direct`]);
      pairs.push([`${b} run - direct`, `${b} run`, `${b} direct`]);
      pairs.push([`${b} runSync, out - direct, out`, `${b} runSync, out`, `${b} direct, out`]);
    }
  }
  const tracing = process.env.AOTIHUB_RUN_TRACE !== undefined;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const gapMs = spec.gapUs / 1000;
  const us = new Map<string, number[]>(modes.map(([n]) => [n, []]));
  const jsSide = new Map<string, number[]>(modes.map(([n]) => [n, []]));
  for (let block = 0; block < spec.blocks; block++) {
    for (const [name, call] of modes) {
      for (let i = 0; i < 100; i++) await call();
      addon.runTrace();
      const times: number[] = [];
      for (let i = 0; i < spec.calls; i++) {
        if (gapMs > 0) Atomics.wait(sleeper, 0, 0, gapMs);
        const t = performance.now();
        const r = call();
        if (r instanceof Promise) await r;
        times.push((performance.now() - t) * 1000);
      }
      us.get(name)!.push(...times);
      if (tracing) {
        // Per call: its time minus its native entry-to-settled span (run-trace.h's 8 stamps a run).
        const t = addon.runTrace();
        if (t.length === times.length * 8)
          for (const [i, u] of times.entries()) jsSide.get(name)!.push(u - (t[i * 8 + 7]! - t[i * 8]!));
      }
    }
  }
  for (const model of models) model.dispose();
  const median = (v: number[]) => v.sort((a, b) => a - b)[(v.length - 1) >> 1]!;
  const fixed = (x: number) => Number(x.toFixed(2));
  const result: ChildResult = {};
  for (const [name] of modes) result[name] = fixed(median(us.get(name)!));
  // The JS side as a difference of medians against the direct call on the same container.
  for (const [figure, mode, direct] of pairs) result[figure] = fixed(result[mode]! - result[direct]!);
  if (tracing)
    for (const [name] of modes)
      if (jsSide.get(name)!.length > 0) result[`${name}: traced JS side`] = fixed(median(jsSide.get(name)!));
  return result;
}

function gitHead(dir: string): string {
  return execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
}

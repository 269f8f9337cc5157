// CPU figures for @aotihub/native on this machine: libtorch load, weight mapping, variant open,
// first call, and the steady per-call time through run() and runSync() against the anchor: the same
// `.so` called directly from a C++ loop over its C ABI (bench/anchor), measured in the same rounds.
// Per-call times come from fresh processes (bench/native-cpu-calls.ts), one per mode, plus one that
// runs run() and then runSync(). With AOTIHUB_BENCH_BEFORE=<checkout> (built: dist and addon) the
// same processes also measure that build, for before/after figures from the same run. Rewrites its
// section of docs/benchmarks.md.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import {
  extractPt2Model,
  findTorch,
  loadPackages,
  type PackageSpec,
  readPt2,
  readSafetensors,
} from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";
import { readBucketIo } from "../test/support/bucket-io.js";
import { testPython } from "../test/support/python.js";
import { repoRoot } from "../test/support/repo-root.js";
import { ensureTestModels } from "../test/support/test-models.js";
import type { CallMode, CallsResult, CallsSpec } from "./native-cpu-calls.js";
import { writeBenchmarkSection } from "./support/benchmarks-doc.js";

const models = await ensureTestModels();
const torch = await findTorch({
  pythons: [testPython()],
});
const rows: string[] = [];
const python = process.env.AOTIHUB_PYTHON ?? join(repoRoot, ".venv/bin/python");
const anchorDir = join(repoRoot, ".cache", "bench-anchor");
mkdirSync(anchorDir, { recursive: true });
const anchorBin = join(anchorDir, "aoti-abi-loop");
execFileSync("bash", [join(repoRoot, "bench/anchor/build.sh"), python, anchorBin], { stdio: "inherit" });
const CODES: Record<string, number> = { float32: 6, float16: 5, bfloat16: 15, int64: 4, int32: 3, uint8: 0 };
const SIZES: Record<string, number> = { float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, uint8: 1 };

/** The anchor's median us per call on `pkg`'s `.so`, weights bound from the same files. */
async function anchorUs(pkg: PackageSpec, weights: string[], inputs: { dtype: string; shape: number[] }[]) {
  const lines: string[] = [];
  for (const w of weights)
    for (const t of (await readSafetensors(w)).tensors)
      lines.push(
        `${t.name} ${CODES[t.dtype]} ${w} ${t.byteOffset} ${t.byteLength} ${t.shape.length} ${t.shape.join(" ")}`,
      );
  writeFileSync(join(anchorDir, "bind.txt"), `${lines.join("\n")}\n`);
  writeFileSync(
    join(anchorDir, "inputs.txt"),
    `${inputs.map((t) => `${CODES[t.dtype]} ${SIZES[t.dtype]} ${t.shape.length} ${t.shape.join(" ")}`).join("\n")}\n`,
  );
  const pt2 = await readPt2(pkg.path);
  const { soPath } = await extractPt2Model(pt2, Object.keys(pt2.models)[0]!, {
    cacheDir: join(repoRoot, ".cache", "native-test-so"),
  });
  const out = execFileSync(
    anchorBin,
    [soPath, "cpu", join(anchorDir, "bind.txt"), join(anchorDir, "inputs.txt"), "2000"],
    { encoding: "utf8" },
  );
  return (JSON.parse(out) as { deviceIoUs: number }).deviceIoUs;
}

const ROUNDS = Number(process.env.AOTIHUB_BENCH_ROUNDS ?? 3);
const before = process.env.AOTIHUB_BENCH_BEFORE;
const builds: { label: string; native: string }[] = [
  ...(before
    ? [{ label: `before (${gitHead(before)})`, native: join(before, "packages/native/dist/index.js") }]
    : []),
  { label: `this build (${gitHead(repoRoot)})`, native: join(repoRoot, "packages/native/dist/index.js") },
];
// run() alone, runSync() alone, and runSync() measured after run() in the same process.
const SESSIONS: { name: string; modes: CallMode[] }[] = [
  { name: "run", modes: ["run"] },
  { name: "runSync", modes: ["runSync"] },
  { name: "mixed", modes: ["run", "runSync"] },
];

function gitHead(dir: string): string {
  try {
    return execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
}

function measureCalls(native: string, repo: string, modes: CallMode[], calls: number): CallsResult {
  const spec: CallsSpec = {
    native,
    torchDir: torch.dir,
    cacheDir: join(repoRoot, ".cache", "native-test-so"),
    repo,
    modes,
    calls,
  };
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "bench/native-cpu-calls.ts"), JSON.stringify(spec)],
    { encoding: "utf8", cwd: repoRoot },
  );
  return JSON.parse(out.trim().split("\n").at(-1)!) as CallsResult;
}

/** Median of the rounds' medians, with their range. */
function summary(values: number[]): { mid: number; text: string } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted[sorted.length >> 1]!;
  const range = sorted.length > 1 ? ` (${fmt(sorted[0]!)}-${fmt(sorted.at(-1)!)})` : "";
  return { mid, text: `${fmt(mid)}${range}` };
}
const fmt = (us: number) => (us < 100 ? us.toFixed(1) : us.toFixed(0));
let torchLoadMs = 0;
const callRows: string[] = [];
const loadAvgBefore = loadavg()[0]!;
for (const name of ["tiny-mlp", "tiny-dit"] as const) {
  const repo = models.models[name];
  const m = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as {
    weights: Record<string, { files: string[] }>;
    profiles: Record<string, { weights: string }>;
    artifacts: { path: string; profile: string; bucket: Bucket }[];
  };
  const profile = m.artifacts[0]!.profile;
  const packages: PackageSpec[] = m.artifacts.map((a) => ({ path: join(repo, a.path), bucket: a.bucket }));
  const weights = m.weights[m.profiles[profile]!.weights]!.files.map((f) => join(repo, f));
  const t0 = performance.now();
  const model = await loadPackages({
    packages,
    weights,
    device: "cpu",
    torchDir: torch.dir,
    cacheDir: join(repoRoot, ".cache", "native-test-so"),
  });
  const loadMs = performance.now() - t0;
  if (name === "tiny-mlp") torchLoadMs = model.stats.torchLoadMs;
  const anchors: Record<string, number[]> = {};
  const ordered: Record<string, { dtype: string; shape: number[] }[]> = {};
  for (const p of packages) {
    const { inputs } = await readBucketIo(repo, p.bucket.name);
    const t = performance.now();
    await model.run(inputs);
    const first = performance.now() - t;
    ordered[p.bucket.name] = model.inputNames.map((k) => inputs[k]!);
    anchors[p.bucket.name] = [];
    const open = model.variants.find((v) => v.name === p.bucket.name)?.openMs ?? 0;
    rows.push(
      `| ${name} | ${p.bucket.name} | ${(model.stats.weightBytes / 1024).toFixed(0)} KiB, ${model.stats.weightLoadMs.toFixed(2)} ms | ${open.toFixed(1)} | ${first.toFixed(2)} |`,
    );
  }
  console.log(`${name}: loadPackages ${loadMs.toFixed(0)} ms`);
  model.dispose();

  // Rounds interleave the anchor and every build and session, so load from other jobs on the
  // machine falls on all of them alike.
  const calls = name === "tiny-mlp" ? 2000 : 200;
  const got: Record<string, Record<string, number[]>> = {}; // build|session|mode -> bucket -> us
  const add = (key: string, result: CallsResult) => {
    for (const [bucket, byMode] of Object.entries(result))
      for (const [mode, us] of Object.entries(byMode)) {
        const k = `${key}|${mode}`;
        got[k] ??= {};
        got[k]![bucket] ??= [];
        got[k]![bucket]!.push(us!);
      }
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of packages)
      anchors[p.bucket.name]!.push(await anchorUs(p, weights, ordered[p.bucket.name]!));
    for (const build of builds)
      for (const session of SESSIONS)
        add(`${build.label}|${session.name}`, measureCalls(build.native, repo, session.modes, calls));
    console.log(`${name}: round ${round + 1} of ${ROUNDS}`);
  }
  for (const p of packages) {
    const bucket = p.bucket.name;
    const anchor = summary(anchors[bucket]!);
    for (const build of builds) {
      const cell = (session: string, mode: CallMode) =>
        summary(got[`${build.label}|${session}|${mode}`]![bucket]!);
      const run = cell("run", "run");
      const sync = cell("runSync", "runSync");
      const mixedRun = cell("mixed", "run");
      const mixedSync = cell("mixed", "runSync");
      const over = (x: { mid: number }) => {
        const d = x.mid - anchor.mid;
        return `${d < 0 ? "-" : "+"}${fmt(Math.abs(d))}`;
      };
      callRows.push(
        `| ${name} | ${bucket} | ${build.label} | ${anchor.text} | ${run.text} | ${sync.text} | ${mixedRun.text} / ${mixedSync.text} | ${over(run)} / ${over(sync)} | ${(run.mid / anchor.mid).toFixed(1)}x / ${(sync.mid / anchor.mid).toFixed(1)}x |`,
      );
    }
  }
}

const body = [
  `Machine: ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores), torch ${torch.fullVersion}, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}; load average ${loadAvgBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.`,
  `libtorch load (first loadPackages in the process): ${torchLoadMs.toFixed(0)} ms.`,
  "",
  "| model | bucket | shared weights (size, map + tensors) | variant open ms (extract check + dlopen + container + bind) | first call ms |",
  "| --- | --- | --- | --- | --- |",
  ...rows,
  "",
  `Steady per-call time, us: the median of ${ROUNDS} rounds (range in brackets), each round's figure the median of 2000 calls (tiny-mlp) or 200 (tiny-dit) after 50 warm-up calls, each mode in a fresh process; "mixed" is one process calling run() and then runSync(). The anchor is the same \`.so\` and weights driven by bench/anchor/aoti-abi-loop.cc in the same rounds.`,
  "",
  "| model | bucket | build | anchor: C ABI loop | `run` | `runSync` | mixed: `run` / `runSync` | over the anchor: `run` / `runSync` | vs the anchor: `run` / `runSync` |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...callRows,
].join("\n");
console.log(writeBenchmarkSection("native-cpu", body, "## native: CPU (bench/native-cpu.bench.ts)"));

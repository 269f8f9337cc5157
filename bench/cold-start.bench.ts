// The mission's claim, measured: a fresh process that loads an AOTInductor-compiled model and
// produces its first output, against a fresh Python process that gets the same module's first
// output through torch.compile (cold and warm compile cache) and through eager PyTorch. Same
// machine, same run; process wall time from spawn to exit. Rewrites its section of
// docs/benchmarks.md.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { testPython } from "../test/support/python.js";
import { repoRoot } from "../test/support/repo-root.js";
import { ensureTestModels } from "../test/support/test-models.js";
import { writeBenchmarkSection } from "./support/benchmarks-doc.js";

const RUNS = 3;
// `--loader-only`: only the loadCompiled part (early start against none), which needs no python anchors
const loaderOnly = process.argv.includes("--loader-only");
const python = testPython();
const bucket = "64";
const LOADER_RUNS = 5;

const models = await ensureTestModels();
const repo = models.models["tiny-dit"];

// Ours: a new Node process, loadPackages over the exported repo (every variant, one weight set),
// one run of the 64-token bucket.
const nodeScript = `
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadPackages, readSafetensors, typedArrayFor } from ${JSON.stringify(join(repoRoot, "packages/native/dist/index.js"))};
const repo = ${JSON.stringify(repo)};
const m = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8"));
const profile = m.artifacts[0].profile;
const model = await loadPackages({
  packages: m.artifacts.map((a) => ({ path: join(repo, a.path), bucket: a.bucket })),
  weights: m.weights[m.profiles[profile].weights].files.map((f) => join(repo, f)),
  device: "cpu",
  cacheDir: ${JSON.stringify(join(repoRoot, ".cache", "native-test-so"))},
});
const io = join(repo, "io", "${bucket}.safetensors");
const file = await readSafetensors(io);
const bytes = readFileSync(io);
const inputs = {};
for (const t of file.tensors) if (t.name.startsWith("input.")) {
  const copy = bytes.buffer.slice(bytes.byteOffset + t.byteOffset, bytes.byteOffset + t.byteOffset + t.byteLength);
  inputs[t.name.slice(6)] = { dtype: t.dtype, shape: t.shape, data: typedArrayFor(t.dtype, copy, 0, t.shape.reduce((a, b) => a * b, 1)) };
}
const [out] = await model.run(inputs);
if (out.shape.length === 0) throw new Error("no output");
model.dispose();
`;

// The anchors: the same module (the export helper's tiny DiT at CPU size, same seed) in Python.
const pythonScript = (compile: boolean) => `
import sys, torch
sys.path.insert(0, ${JSON.stringify(join(repoRoot, "python/aotihub_export/src"))})
from aotihub_export.examples.tiny_dit import spec
s = spec("cpu")
m = torch.compile(s.module) if ${compile ? "True" : "False"} else s.module
with torch.no_grad():
    out = m(**s.buckets["${bucket}"])
assert out.numel() > 0
`;

function wallMs(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const started = performance.now();
  const result = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: "utf8" });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr.slice(-2000)}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const torchEnv = (cache: string) => ({ TORCHINDUCTOR_CACHE_DIR: cache, PYTHONUNBUFFERED: "1" });

if (!loaderOnly) anchors();
await loaderEarlyStart();

function anchors(): void {
  wallMs(process.execPath, ["--input-type=module", "-e", nodeScript]); // extraction, page cache
  const ours = median(
    Array.from({ length: RUNS }, () => wallMs(process.execPath, ["--input-type=module", "-e", nodeScript])),
  );
  const eager = median(Array.from({ length: RUNS }, () => wallMs(python, ["-c", pythonScript(false)])));
  const cold = median(
    Array.from({ length: RUNS }, () =>
      wallMs(python, ["-c", pythonScript(true)], torchEnv(mkdtempSync(join(tmpdir(), "inductor-cold-")))),
    ),
  );
  const warmCache = mkdtempSync(join(tmpdir(), "inductor-warm-"));
  wallMs(python, ["-c", pythonScript(true)], torchEnv(warmCache));
  const warm = median(
    Array.from({ length: RUNS }, () => wallMs(python, ["-c", pythonScript(true)], torchEnv(warmCache))),
  );

  const row = (what: string, ms: number) =>
    `| ${what} | ${(ms / 1000).toFixed(2)} s | ${(ms / ours).toFixed(1)}x |`;
  const table = [
    `Machine: ${cpus()[0]?.model.trim() ?? "unknown CPU"} (${cpus().length} cores), torch ${models.torchVersion}, Node ${process.version}.`,
    `Fresh process to the first output of the tiny DiT (CPU size, ${bucket}-token bucket), median of ${RUNS}:`,
    "",
    "| process | wall time | vs aotihub |",
    "| --- | --- | --- |",
    row("aotihub: `node`, loadPackages (libtorch + 2 variants + weights) + run", ours),
    row("anchor: `python`, torch.compile, cold inductor cache", cold),
    row("anchor: `python`, torch.compile, warm inductor cache", warm),
    row("anchor: `python`, eager PyTorch (no compile)", eager),
  ].join("\n");
  process.stdout.write(`${table}\n`);

  writeBenchmarkSection("cold-start", table, "## Cold start on CPU (bench/cold-start.bench.ts)");
}

// --- loadCompiled from a warm cache: the runtime started early (default) against none ----------------
// The tiny DiT's repo, served once on loopback to fill an HF cache; then fresh `node` processes call
// loadCompiled offline (HF_HUB_OFFLINE: nothing asked of a Hub) and run the 64-token bucket once,
// interleaved: "early" (libtorch's dlopens start when the device is chosen) and "not early"
// (AOTIHUB_EARLY_START=0: they start inside loadPackages, after the package checks, as before).
async function loaderEarlyStart(): Promise<void> {
  const { startHubServer } = await import("@aotihub/hub-server");
  const { loadCompiled } = await import("@aotihub/loader");
  const work = mkdtempSync(join(tmpdir(), "aotihub-cold-loader-"));
  mkdirSync(join(work, "hub", "models", "aotihub"), { recursive: true });
  symlinkSync(repo, join(work, "hub", "models", "aotihub", "tiny-dit"));
  writeFileSync(
    join(work, "aotihub.config.json"),
    JSON.stringify({ trustedRepos: ["aotihub/*"], index: null }),
  );
  const hubFor = (endpoint: string, offline: boolean) => ({
    endpoint,
    token: undefined,
    hfHome: join(work, "hf"),
    cacheDir: join(work, "hf", "hub"),
    offline,
  });
  const env = { AOTIHUB_CACHE: join(work, "aotihub") };
  Object.assign(process.env, env);
  const server = await startHubServer({ root: join(work, "hub") });
  try {
    (
      await loadCompiled("aotihub/tiny-dit", { cwd: work, hub: hubFor(server.url, false), device: "cpu" })
    ).dispose();
  } finally {
    await server.close();
  }
  const child = `
const t0 = performance.now();
const { loadCompiled } = await import(${JSON.stringify(join(repoRoot, "packages/loader/dist/index.js"))});
const { readSafetensors, typedArrayFor } = await import(${JSON.stringify(join(repoRoot, "packages/native/dist/index.js"))});
const { readFileSync } = await import("node:fs");
const tImported = performance.now();
const model = await loadCompiled("aotihub/tiny-dit", {
  cwd: ${JSON.stringify(work)}, device: "cpu", reuse: false,
  hub: ${JSON.stringify(hubFor("http://127.0.0.1:9", true))},
});
const tLoaded = performance.now();
const io = ${JSON.stringify(join(repo, "io", `${bucket}.safetensors`))};
const file = await readSafetensors(io);
const bytes = readFileSync(io);
const inputs = {};
for (const t of file.tensors) if (t.name.startsWith("input.")) {
  const copy = bytes.buffer.slice(bytes.byteOffset + t.byteOffset, bytes.byteOffset + t.byteOffset + t.byteLength);
  inputs[t.name.slice(6)] = { dtype: t.dtype, shape: t.shape, data: typedArrayFor(t.dtype, copy, 0, t.shape.reduce((a, b) => a * b, 1)) };
}
const tInputs = performance.now();
await model.run(inputs);
const tFirst = performance.now();
process.stdout.write(JSON.stringify({ first: tFirst, imports: tImported, loadCompiled: tLoaded - tImported, call: tFirst - tInputs, stages: model.stats.stages }) + "\\n");
model.dispose();
`;
  type Figures = {
    first: number;
    imports: number;
    loadCompiled: number;
    call: number;
    stages: Record<string, number>;
  };
  const labels = { early: {}, "not early": { AOTIHUB_EARLY_START: "0" } } as const;
  const runs: Record<string, Figures[]> = { early: [], "not early": [] };
  const wall: Record<string, number[]> = { early: [], "not early": [] };
  const once = (label: keyof typeof labels) => {
    const started = performance.now();
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", child], {
      env: { ...process.env, ...env, ...labels[label] },
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`loadCompiled child failed: ${result.stderr.slice(-2000)}`);
    wall[label]!.push(performance.now() - started);
    return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Figures;
  };
  once("early"); // page cache, extraction
  for (let i = 0; i < LOADER_RUNS; i++)
    for (const label of Object.keys(labels) as (keyof typeof labels)[]) runs[label]!.push(once(label));
  const cell = (xs: number[]) =>
    xs.length === 0
      ? ""
      : `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;
  const stage = (label: string, name: string) =>
    runs[label]!.map((f) => f.stages[name]).filter((v): v is number => v !== undefined);
  const rows: [string, (label: string) => number[]][] = [
    ["process start to first output", (l) => runs[l]!.map((f) => f.first)],
    ["process spawn to exit (wall)", (l) => wall[l]!],
    ["node start + imports", (l) => runs[l]!.map((f) => f.imports)],
    ["loadCompiled", (l) => runs[l]!.map((f) => f.loadCompiled)],
    ["first call", (l) => runs[l]!.map((f) => f.call)],
    ...[
      "loadCompiled start",
      "device chosen",
      "libtorch early start",
      "plan ready",
      "files checked",
      "load start",
      "packages verified",
      "libtorch dlopen start",
      "libtorch dlopen end",
      "libtorch preload: join wait, ms",
      "weights end",
      "loaded",
    ].map((name) => [`@ ${name}`, (l: string) => stage(l, name)] as [string, (label: string) => number[]]),
  ];
  const text = [
    `Machine: ${cpus()[0]?.model.trim() ?? "unknown CPU"} (${cpus().length} cores, shared), torch ${models.torchVersion}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)} UTC.`,
    `Fresh \`node\` processes calling \`loadCompiled("aotihub/tiny-dit", { device: "cpu" })\` offline from a warm HF cache, then one call of the ${bucket}-token bucket; interleaved, ${LOADER_RUNS} each; ms, median (range); \`@\` rows: ms since the process started (\`stats.stages\`).`,
    "",
    "| ms | early (default) | not early (AOTIHUB_EARLY_START=0) |",
    "| --- | --- | --- |",
    ...rows.map(([name, of]) => `| ${name} | ${cell(of("early"))} | ${cell(of("not early"))} |`),
  ].join("\n");
  process.stdout.write(`${text}\n`);
  writeBenchmarkSection("cold-start-loader", text, "## Cold start on CPU (bench/cold-start.bench.ts)");
}

// The mission's claim, measured: a fresh process that loads an AOTInductor-compiled model and
// produces its first output, against a fresh Python process that gets the same module's first
// output through torch.compile (cold and warm compile cache) and through eager PyTorch. Same
// machine, same run; process wall time from spawn to exit. Rewrites its section of
// docs/benchmarks.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { testPython } from "../test/support/python.js";
import { repoRoot } from "../test/support/repo-root.js";
import { ensureTestModels } from "../test/support/test-models.js";
import { writeBenchmarkSection } from "./support/benchmarks-doc.js";

const RUNS = 3;
const python = testPython();
const bucket = "64";

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

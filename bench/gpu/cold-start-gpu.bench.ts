// Issue 14 goal 2 on the GPU machine: a fresh `node` process to the first output of the FLUX-like
// DiT, loaded with loadCompiled from a warm Hugging Face cache (HF_HUB_OFFLINE=1: nothing is asked
// of the Hub). Bundled by bench/gpu/coldstart/pack.sh against this tree ("new") and against an
// older checkout ("old"), run by bench/gpu/coldstart/device.sh in interleaved fresh processes.
//   prefetch <repoDir> <work>       serves the repo on loopback, loads it once (fills the caches)
//   fresh <repoDir> <work> <label> <out.json> [warmup]   one timed fresh process
// Works with builds that lack `stats.stages` or the `warmup` option (those figures are left out).
const t0 = performance.now(); // ms since this process started (performance.timeOrigin)

import { mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

const [mode, repoDir, work, label, outFile, warmupArg] = process.argv.slice(2) as string[];
const name = basename(repoDir!);
const hubOf = (online: string | null) => ({
  endpoint: online ?? "http://127.0.0.1:9",
  token: undefined,
  hfHome: join(work!, "hf"),
  cacheDir: join(work!, "hf", "hub"),
  offline: online === null,
});
process.env.AOTIHUB_CACHE = join(work!, "aotihub");

if (mode === "prefetch") {
  const { startHubServer } = await import("@aotihub/hub-server");
  const { loadCompiled } = await import("@aotihub/loader");
  mkdirSync(join(work!, "hub", "models", "aotihub"), { recursive: true });
  try {
    symlinkSync(repoDir!, join(work!, "hub", "models", "aotihub", name));
  } catch {}
  writeFileSync(join(work!, "aotihub.config.json"), JSON.stringify({ trustedRepos: ["aotihub/*"] }));
  const server = await startHubServer({ root: join(work!, "hub") });
  const t = performance.now();
  const model = await loadCompiled(`aotihub/${name}`, {
    cwd: work,
    hub: hubOf(server.url),
    device: (process.env.COLDSTART_DEVICE ?? "cuda:0") as "cpu",
  });
  process.stdout.write(`prefetch + first load ${(performance.now() - t).toFixed(0)} ms\n`);
  model.dispose();
  await server.close();
  process.exit(0);
}

// --- fresh: one process, each stage since process start --------------------------------------------
const { loadCompiled } = await import("@aotihub/loader");
const { readSafetensors, typedArrayFor } = await import("@aotihub/native");
const tImported = performance.now();
const warmup = warmupArg === "warmup";
const model = await loadCompiled(`aotihub/${name}`, {
  cwd: work,
  hub: hubOf(null),
  device: (process.env.COLDSTART_DEVICE ?? "cuda:0") as "cpu",
  reuse: false,
  ...(warmup && ({ warmup: true } as object)),
});
const tLoaded = performance.now();
// COLDSTART_EXIT_AFTER_LOAD=1: exit at once, while the CUDA prewarm's first GEMM may still run (the
// process must still exit cleanly: the runtime joins that thread before CUDA's own exit handlers).
if (process.env.COLDSTART_EXIT_AFTER_LOAD === "1") {
  process.stdout.write(`loaded in ${(tLoaded - tImported).toFixed(0)} ms; exiting\n`);
  process.exit(0);
}
// The smallest bucket's inputs (1024 tokens), as a user would hand them in.
const ioDir = join(repoDir!, "io");
const ioFiles = readdirSync(ioDir)
  .filter((f) => f.endsWith(".safetensors"))
  .map((f) => join(ioDir, f))
  .sort((a, b) => statSync(a).size - statSync(b).size);
const { readFileSync } = await import("node:fs");
const inputs = await readInputs(ioFiles[0]!);
async function readInputs(ioFile: string): Promise<Record<string, unknown>> {
  const file = await readSafetensors(ioFile);
  const bytes = readFileSync(ioFile);
  const inputs: Record<string, unknown> = {};
  for (const t of file.tensors) {
    if (!t.name.startsWith("input.")) continue;
    const copy = bytes.buffer.slice(
      bytes.byteOffset + t.byteOffset,
      bytes.byteOffset + t.byteOffset + t.byteLength,
    );
    inputs[t.name.slice(6)] = {
      dtype: t.dtype,
      shape: t.shape,
      data: typedArrayFor(
        t.dtype,
        copy,
        0,
        t.shape.reduce((a, b) => a * b, 1),
      ),
    };
  }
  return inputs;
}
const tInputs = performance.now();
const [out] = (await model.run(inputs as never)) as { shape: number[] }[];
const tFirst = performance.now();
const steady: number[] = [];
for (let i = 0; i < 5; i++) {
  const s = performance.now();
  await model.run(inputs as never);
  steady.push(performance.now() - s);
}
// The other bucket's first call (4096 tokens, when compiled): what each variant pays on its own
// first run (its kernels' modules) against what the process paid once in the first call above.
let otherFirst: number | undefined;
if (ioFiles.length > 1) {
  const other = await readInputs(ioFiles.at(-1)!);
  const s = performance.now();
  await model.run(other as never);
  otherFirst = performance.now() - s;
}
const stats = model.stats as unknown as Record<string, unknown>;
const figures = {
  label,
  warmup,
  outShape: out?.shape,
  "process start to first output": tFirst,
  "node start + bench imports": t0,
  "loader imports": tImported - t0,
  loadCompiled: tLoaded - tImported,
  "inputs read (user side)": tInputs - tLoaded,
  "first call": tFirst - tInputs,
  "steady call (median of 5)": [...steady].sort((a, b) => a - b)[2],
  ...(otherFirst !== undefined && { "first call, other bucket": otherFirst }),
  stats,
};
writeFileSync(outFile!, `${JSON.stringify(figures, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(figures)}\n`);
model.dispose();
process.exit(0);

// CPU figures for @aotihub/native on this machine: libtorch load, weight mapping, variant open,
// first and steady per-call time through run() and runSync(), against the anchor: the same `.so`
// called directly from a C++ loop over its C ABI (bench/anchor). Rewrites its section of
// docs/benchmarks.md.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
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

const DOC = join(repoRoot, "docs", "benchmarks.md");
const BEGIN = "<!-- native-cpu:begin -->";
const END = "<!-- native-cpu:end -->";

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
let torchLoadMs = 0;
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
  for (const p of packages) {
    const { inputs } = await readBucketIo(repo, p.bucket.name);
    let t = performance.now();
    await model.run(inputs);
    const first = performance.now() - t;
    for (let i = 0; i < 50; i++) await model.run(inputs);
    const n = name === "tiny-mlp" ? 2000 : 200;
    t = performance.now();
    for (let i = 0; i < n; i++) await model.run(inputs);
    const steady = ((performance.now() - t) / n) * 1000;
    for (let i = 0; i < 50; i++) model.runSync(inputs);
    t = performance.now();
    for (let i = 0; i < n; i++) model.runSync(inputs);
    const steadySync = ((performance.now() - t) / n) * 1000;
    const ordered = model.inputNames.map((k) => inputs[k]!);
    const anchor = await anchorUs(p, weights, ordered);
    const open = model.variants.find((v) => v.name === p.bucket.name)?.openMs ?? 0;
    rows.push(
      `| ${name} | ${p.bucket.name} | ${(model.stats.weightBytes / 1024).toFixed(0)} KiB, ${model.stats.weightLoadMs.toFixed(2)} ms | ${open.toFixed(1)} | ${first.toFixed(2)} | ${steady.toFixed(0)} | ${steadySync.toFixed(0)} | ${anchor.toFixed(0)} |`,
    );
  }
  console.log(`${name}: loadPackages ${loadMs.toFixed(0)} ms`);
  model.dispose();
}

const section = [
  BEGIN,
  `Machine: ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores), torch ${torch.fullVersion}, Node ${process.versions.node}.`,
  `libtorch load (first loadPackages in the process): ${torchLoadMs.toFixed(0)} ms.`,
  "",
  "| model | bucket | shared weights (size, map + tensors) | variant open ms (extract check + dlopen + container + bind) | first call ms | steady `run` us | steady `runSync` us | anchor: C ABI loop us |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows,
  END,
].join("\n");
const doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : "";
const next = doc.includes(BEGIN)
  ? doc.replace(new RegExp(`${BEGIN}[\\s\\S]*?${END}`), section)
  : `${doc}\n## native: CPU (bench/native-cpu.bench.ts)\n\n${section}\n`;
writeFileSync(DOC, next);
console.log(section);

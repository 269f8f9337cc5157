// CPU figures for @aotihub/native on this machine: libtorch load, weight mapping, variant open,
// first and steady per-call time. Rewrites its section of docs/benchmarks.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { findTorch, loadPackages, type PackageSpec } from "@aotihub/native";
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
    const open = model.variants.find((v) => v.name === p.bucket.name)?.openMs ?? 0;
    rows.push(
      `| ${name} | ${p.bucket.name} | ${(model.stats.weightBytes / 1024).toFixed(0)} KiB, ${model.stats.weightLoadMs.toFixed(2)} ms | ${open.toFixed(1)} | ${first.toFixed(2)} | ${steady.toFixed(0)} |`,
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
  "| model | bucket | shared weights (size, map + tensors) | variant open ms (extract check + dlopen + container + bind) | first call ms | steady call us |",
  "| --- | --- | --- | --- | --- | --- |",
  ...rows,
  END,
].join("\n");
const doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : "";
const next = doc.includes(BEGIN)
  ? doc.replace(new RegExp(`${BEGIN}[\\s\\S]*?${END}`), section)
  : `${doc}\n## native: CPU (bench/native-cpu.bench.ts)\n\n${section}\n`;
writeFileSync(DOC, next);
console.log(section);

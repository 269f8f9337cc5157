// The standalone runtime on CPU (issue 13) against libtorch, measured in one run on this machine:
// a fresh `node` process to the first output, the steady per-call time, and the size of what each
// runtime needs installed. Rewrites its section of docs/benchmarks.md.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { findTorch } from "@aotihub/native";
import { testPython } from "../test/support/python.js";
import { repoRoot } from "../test/support/repo-root.js";
import { ensureTestModels } from "../test/support/test-models.js";
import { writeBenchmarkSection } from "./support/benchmarks-doc.js";

const RUNS = 3;
const cacheDir = join(repoRoot, ".cache", "native-test-so");

const models = await ensureTestModels();
const torch = await findTorch({ pythons: [testPython()] });

interface Child {
  wallMs: number;
  firstOutputMs: number;
  runtimeLoadMs: number;
  steadyUs: number;
  mapped: string[];
}

function fresh(runtime: string, repo: string, bucket: string, calls: number): Child {
  const start = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repoRoot, "bench", "standalone-cpu-child.ts"),
      runtime,
      repo,
      bucket,
      torch.dir,
      cacheDir,
      String(calls),
    ],
    // One OpenMP thread: on a shared 2-core machine, spinning OpenMP teams measure the neighbours.
    { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? "1" } },
  );
  const wallMs = performance.now() - start;
  if (run.status !== 0) throw new Error(`child failed: ${run.stderr}`);
  return { wallMs, ...(JSON.parse(run.stdout.trim().split("\n").at(-1)!) as Omit<Child, "wallMs">) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The same model three ways: its standalone package on the standalone runtime, the same package on
// libtorch, and its libtorch build (compiled with default settings) on libtorch.
const CASES = [
  {
    label: "tiny DiT, 64 tokens",
    bucket: "64",
    calls: 200,
    standalone: "standalone-dit",
    libtorch: "tiny-dit",
  },
  {
    label: "tiny MLP, batch 2",
    bucket: "b2",
    calls: 5000,
    standalone: "standalone-mlp",
    libtorch: "tiny-mlp",
  },
] as const;
const rows: string[] = [];
let mappedStandalone: string[] = [];
for (const c of CASES) {
  const ways = [
    {
      name: "standalone runtime, standalone package",
      runtime: "standalone",
      repo: models.models[c.standalone],
    },
    {
      name: "libtorch runtime, same standalone package",
      runtime: "libtorch",
      repo: models.models[c.standalone],
    },
    { name: "libtorch runtime, libtorch build", runtime: "libtorch", repo: models.models[c.libtorch] },
  ];
  const samples = ways.map(() => [] as Child[]);
  // Interleaved, so a busy moment of the machine hits every way alike.
  for (let r = 0; r < RUNS; r++) {
    ways.forEach((w, i) => {
      samples[i]!.push(fresh(w.runtime, w.repo, c.bucket, c.calls));
    });
  }
  mappedStandalone = samples[0]![0]!.mapped;
  const anchorFirst = median(samples[2]!.map((s) => s.firstOutputMs));
  const anchorSteady = median(samples[2]!.map((s) => s.steadyUs));
  ways.forEach((w, i) => {
    const s = samples[i]!;
    const first = median(s.map((x) => x.firstOutputMs));
    const steady = median(s.map((x) => x.steadyUs));
    rows.push(
      `| ${c.label} | ${w.name} | ${(first / 1000).toFixed(2)} s (${(first / anchorFirst).toFixed(2)}x) | ${median(s.map((x) => x.runtimeLoadMs)).toFixed(2)} ms | ${steady.toFixed(steady < 100 ? 1 : 0)} us (${(steady / anchorSteady).toFixed(2)}x) |`,
    );
  });
}

const sizeOf = (path: string): number => {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
};
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const addon = join(repoRoot, "packages", "native", "build", "Release", "aotihub_native.node");
const gomp = mappedStandalone.find((p) => p.includes("libgomp"));
const torchLib = torch.libDir;
const torchPackage = dirname(torchLib);

const body = [
  `Machine: ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores, AVX512), torch ${torch.fullVersion}, Node ${process.versions.node}, OMP_NUM_THREADS=${process.env.OMP_NUM_THREADS ?? "1"}. Median of ${RUNS} fresh processes per row, interleaved; ratios against the libtorch build on libtorch, same run. "Fresh node to first output": from the process's start (performance.timeOrigin) to the first output, including tsx loading the TypeScript child script.`,
  "",
  "| model | runtime, package | fresh `node` to first output | runtime load (libtorch dlopen, or making the shim global) | steady `runSync` call |",
  "| --- | --- | --- | --- | --- |",
  ...rows,
  "",
  "What each runtime needs installed (besides Node, glibc with its libm/libmvec, and libstdc++):",
  "",
  "| runtime | files | size |",
  "| --- | --- | --- |",
  `| standalone | the addon (\`aotihub_native.node\`, not stripped) + ${gomp ?? "libgomp.so.1"} | ${mib(sizeOf(addon) + (gomp && existsSync(gomp) ? sizeOf(gomp) : 0))} |`,
  `| libtorch | the addon + torch's \`lib/\` folder (libtorch_cpu, libc10, libgomp, ...) | ${mib(sizeOf(addon) + sizeOf(torchLib))} |`,
  `| libtorch | ... or the whole torch package as pip installs it | ${mib(sizeOf(torchPackage))} |`,
].join("\n");
console.log(
  writeBenchmarkSection(
    "standalone-cpu",
    body,
    "## The standalone runtime on CPU (bench/standalone-cpu.bench.ts)\n\nIssue 13: compiled models with no torch installed (docs/standalone-runtime.md).",
  ),
);

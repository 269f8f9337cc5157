// What a fresh process pays before `loadCompiled` can start: Node's own start (the anchor, `node
// -e 0`) plus `import { loadCompiled } from "@aotihub/loader"`, for an old commit (default 8ea9ecc,
// the tree before the HTTP client became lazy) and this tree, each as a user installs it (the
// package in node_modules, its dependencies beside it) and as one esbuild bundle (as the GPU packs
// ship it). Fresh processes, interleaved, median of RUNS; the modules each import loads are
// counted in a separate process. Then `loadCompiled("aotihub/tiny-dit")` offline from a warm cache
// in fresh processes of both trees: process start to loadCompiled's start, and to the first output.
// Rewrites its section of docs/benchmarks.md.
//   pnpm exec tsx bench/import-time.bench.ts [--old <git ref>] [--runs N]
import { execFile, execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../test/support/repo-root.js";
import { ensureTestModels } from "../test/support/test-models.js";
import { writeBenchmarkSection } from "./support/benchmarks-doc.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
// the commit the lazy-import work started from; name another to compare against it
const OLD_REF = arg("--old", "8ea9ecc");
const RUNS = Number(arg("--runs", "15"));
const LOAD_RUNS = 7;
const PACKAGES = ["registry", "native", "hub-server", "loader"] as const;
const work = mkdtempSync(join(tmpdir(), "aotihub-import-time-"));
const esbuild = join(
  repoRoot,
  "node_modules",
  ".pnpm",
  readdirSync(join(repoRoot, "node_modules", ".pnpm")).find((d) => /^esbuild@/.test(d))!,
  "node_modules",
  "esbuild",
  "bin",
  "esbuild",
);

/**
 * `ref`'s packages, unpacked and built (TypeScript only) under `work`, each package's node_modules
 * linking the same installed dependencies as this checkout's and its @aotihub/* to its siblings;
 * the addon is this checkout's (only the load figures run it).
 */
function oldTree(ref: string): string {
  const tree = join(work, "old");
  mkdirSync(tree);
  const archive = execFileSync("git", ["-C", repoRoot, "archive", ref, "packages", "tsconfig.base.json"], {
    maxBuffer: 1 << 30,
  });
  execFileSync("tar", ["-x", "-C", tree], { input: archive });
  symlinkSync(join(repoRoot, "node_modules"), join(tree, "node_modules")); // tsc's @types
  for (const name of PACKAGES) {
    const installed = join(repoRoot, "packages", name, "node_modules");
    const mirror = join(tree, "packages", name, "node_modules");
    linkEntries(installed, mirror, tree);
    execFileSync(join(repoRoot, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], {
      cwd: join(tree, "packages", name),
      stdio: "inherit",
    });
  }
  symlinkSync(join(repoRoot, "packages", "native", "build"), join(tree, "packages", "native", "build"));
  return tree;
}

function linkEntries(from: string, to: string, tree: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (entry === "@aotihub") {
      mkdirSync(join(to, entry));
      for (const sibling of readdirSync(source))
        symlinkSync(join(tree, "packages", sibling), join(to, entry, sibling));
    } else if (entry.startsWith("@")) {
      mkdirSync(join(to, entry));
      for (const scoped of readdirSync(source))
        symlinkSync(realpathSync(join(source, scoped)), join(to, entry, scoped));
    } else if (!entry.startsWith(".")) {
      symlinkSync(realpathSync(source), join(to, entry));
    }
  }
}

/** A user's project folder whose node_modules holds @aotihub/loader from `tree`. */
function userProject(label: string, tree: string): string {
  const project = join(work, `user-${label}`);
  mkdirSync(join(project, "node_modules", "@aotihub"), { recursive: true });
  symlinkSync(join(tree, "packages", "loader"), join(project, "node_modules", "@aotihub", "loader"));
  return project;
}

/** One ESM bundle of `import { loadCompiled } from "@aotihub/loader"`, the GPU packs' esbuild flags. */
function bundle(label: string, project: string): string {
  const entry = join(project, "entry.mjs");
  writeFileSync(
    entry,
    'import { loadCompiled } from "@aotihub/loader";\nglobalThis.loadCompiled = loadCompiled;\n',
  );
  const out = join(work, `bundle-${label}.mjs`);
  execFileSync(
    esbuild,
    [
      entry,
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--target=node20",
      `--outfile=${out}`,
      "--log-level=error",
      "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    ],
    { cwd: project },
  );
  return out;
}

interface Case {
  label: string;
  /** Arguments to `node`, run in `cwd`. */
  args: string[];
  cwd: string;
  ms: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spawnMs = (c: Pick<Case, "args" | "cwd">, env: NodeJS.ProcessEnv = {}) => {
  const started = performance.now();
  const result = spawnSync(process.execPath, c.args, { cwd: c.cwd, env: { ...process.env, ...env } });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${c.args.join(" ")} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout.toString() };
};

/** Modules an import loads: ESM URLs resolved (record-resolved.mjs) and CommonJS files required. */
function modulesLoaded(cwd: string, specifier: string): number {
  const record = join(mkdtempSync(join(work, "record-")), "resolved.txt");
  const hook = join(repoRoot, "test", "support", "record-resolved.mjs");
  const code = `
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire, register } from "node:module";
writeFileSync(${JSON.stringify(record)}, "");
register(${JSON.stringify(`file://${hook}`)}, { data: { file: ${JSON.stringify(record)} } });
await import(${JSON.stringify(specifier)});
const esm = new Set(readFileSync(${JSON.stringify(record)}, "utf8").split("\\n").filter((u) => u.startsWith("file:")));
const cjs = Object.keys(createRequire(import.meta.url).cache).map((p) => "file://" + p);
console.log(new Set([...esm, ...cjs]).size);`;
  return Number(spawnMs({ args: ["--input-type=module", "-e", code], cwd }).stdout.trim());
}

const old = oldTree(OLD_REF);
const oldCommit = execFileSync("git", ["-C", repoRoot, "rev-parse", "--short", OLD_REF]).toString().trim();
const newCommit = execFileSync("git", ["-C", repoRoot, "rev-parse", "--short", "HEAD"]).toString().trim();
const dirty = execFileSync("git", ["-C", repoRoot, "status", "--porcelain", "packages"]).toString() !== "";
const newLabel = `this tree (${newCommit}${dirty ? "+changes" : ""})`;
const oldLabel = `old (${oldCommit})`;
const userOld = userProject("old", old);
const userNew = userProject("new", repoRoot);
const importByName = ["--input-type=module", "-e", 'await import("@aotihub/loader")'];
const cases: Case[] = [
  { label: "anchor: `node -e 0`", args: ["-e", "0"], cwd: work, ms: [] },
  { label: `${oldLabel}, node_modules`, args: importByName, cwd: userOld, ms: [] },
  { label: `${newLabel}, node_modules`, args: importByName, cwd: userNew, ms: [] },
  { label: `${oldLabel}, one esbuild bundle`, args: [bundle("old", userOld)], cwd: work, ms: [] },
  { label: `${newLabel}, one esbuild bundle`, args: [bundle("new", userNew)], cwd: work, ms: [] },
];
for (const c of cases) spawnMs(c); // page cache
for (let round = 0; round < RUNS; round++) for (const c of cases) c.ms.push(spawnMs(c).ms);
const modules = [
  "",
  modulesLoaded(userOld, "@aotihub/loader"),
  modulesLoaded(userNew, "@aotihub/loader"),
  1,
  1,
];
const anchor = median(cases[0]!.ms);
const importRows = cases.map((c, i) => {
  const m = median(c.ms);
  const over = i === 0 ? "" : `${(m - anchor).toFixed(0)}`;
  return `| ${c.label} | ${m.toFixed(0)} (${Math.min(...c.ms).toFixed(0)}-${Math.max(...c.ms).toFixed(0)}) | ${over} | ${modules[i]} |`;
});

// --- process start to loadCompiled's start, and to the first output, from a warm cache -----------
const models = await ensureTestModels();
const repo = models.models["tiny-dit"];
const project = join(work, "project");
mkdirSync(join(work, "hub", "models", "aotihub"), { recursive: true });
symlinkSync(repo, join(work, "hub", "models", "aotihub", "tiny-dit"));
mkdirSync(project);
writeFileSync(
  join(project, "aotihub.config.json"),
  JSON.stringify({ trustedRepos: ["aotihub/*"], index: null }),
);
const hfHome = join(work, "hf");
const loadEnv = { AOTIHUB_CACHE: join(work, "aotihub"), HF_HOME: hfHome };
{
  const { startHubServer } = await import("@aotihub/hub-server");
  const server = await startHubServer({ root: join(work, "hub") });
  try {
    // asynchronously: the server answers from this process's event loop
    await promisify(execFile)(process.execPath, ["--input-type=module", "-e", loadChild(repoRoot)], {
      cwd: project,
      env: { ...process.env, ...loadEnv, HF_ENDPOINT: server.url, HF_HUB_OFFLINE: "0" },
    });
  } finally {
    await server.close();
  }
}

/**
 * A child that loads tiny-dit (offline or not, as HF_HUB_OFFLINE says) and runs its 64-token bucket
 * once on the bucket's recorded inputs; prints when loadCompiled started and when the output came.
 */
function loadChild(tree: string): string {
  return `
const { loadCompiled } = await import(${JSON.stringify(join(tree, "packages/loader/dist/index.js"))});
const model = await loadCompiled("aotihub/tiny-dit", { device: "cpu", reuse: false });
const { readSafetensors, typedArrayFor } = await import(${JSON.stringify(join(tree, "packages/native/dist/index.js"))});
const { readFileSync } = await import("node:fs");
const io = ${JSON.stringify(join(repo, "io", "64.safetensors"))};
const bytes = readFileSync(io);
const inputs = {};
for (const t of (await readSafetensors(io)).tensors) if (t.name.startsWith("input.")) {
  const copy = bytes.buffer.slice(bytes.byteOffset + t.byteOffset, bytes.byteOffset + t.byteOffset + t.byteLength);
  inputs[t.name.slice(6)] = { dtype: t.dtype, shape: t.shape, data: typedArrayFor(t.dtype, copy, 0, t.shape.reduce((a, b) => a * b, 1)) };
}
const [out] = await model.run(inputs);
const first = performance.now();
if (out.shape.length === 0) throw new Error("no output");
process.stdout.write(JSON.stringify({ loadStart: model.stats.stages["loadCompiled start"], first }) + "\\n");
model.dispose();
`;
}

const loadCases = [
  { label: oldLabel, args: ["--input-type=module", "-e", loadChild(old)] },
  { label: newLabel, args: ["--input-type=module", "-e", loadChild(repoRoot)] },
].map((c) => ({ ...c, cwd: project, loadStart: [] as number[], first: [] as number[] }));
const offline = { ...loadEnv, HF_HUB_OFFLINE: "1" };
for (const c of loadCases) spawnMs(c, offline);
for (let round = 0; round < LOAD_RUNS; round++)
  for (const c of loadCases) {
    const figures = JSON.parse(spawnMs(c, offline).stdout.trim().split("\n").at(-1)!) as {
      loadStart: number;
      first: number;
    };
    c.loadStart.push(figures.loadStart);
    c.first.push(figures.first);
  }
const cell = (xs: number[]) =>
  `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;

const avx512 = /\bavx512f\b/.test(readFileSync("/proc/cpuinfo", "utf8"));
const text = [
  `Machine: ${cpus()[0]?.model.trim() ?? "unknown CPU"} (${cpus().length} cores, shared${avx512 ? ", AVX512" : ""}), Node ${process.version}, ${new Date().toISOString().slice(0, 16)} UTC.`,
  `Fresh \`node\` processes importing \`@aotihub/loader\` (\`await import("@aotihub/loader")\` from a project whose node_modules links the package, or one esbuild bundle of \`import { loadCompiled } from "@aotihub/loader"\` with the GPU packs' flags); interleaved, ${RUNS} rounds; ms from spawn to exit, median (range); modules: files the import loads (ESM URLs resolved and CommonJS files required, counted in a separate process).`,
  "",
  "| process | ms | over the anchor | modules |",
  "| --- | --- | --- | --- |",
  ...importRows,
  "",
  `\`loadCompiled("aotihub/tiny-dit", { device: "cpu" })\` offline from a warm HF cache, then one call of the 64-token bucket, in fresh processes of each tree (the same addon); interleaved, ${LOAD_RUNS} each; ms since the process started, median (range):`,
  "",
  "| tree | loadCompiled starts | first output |",
  "| --- | --- | --- |",
  ...loadCases.map((c) => `| ${c.label} | ${cell(c.loadStart)} | ${cell(c.first)} |`),
].join("\n");
process.stdout.write(`${text}\n`);
writeBenchmarkSection(
  "import-time",
  text,
  "### Import time: what a fresh process pays before loadCompiled starts (bench/import-time.bench.ts)",
);
rmSync(work, { recursive: true, force: true }); // links into this checkout are removed, not followed

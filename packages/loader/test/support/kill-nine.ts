// kill -9 at random points of many downloads into one cache, Node (our downloadFile) and Python
// (huggingface_hub) processes mixed: afterwards every blob must hash to its name, scan_cache_dir()
// must report no warnings, no blob may have been written twice, and a rerun must complete.
// Used by kill-nine.test.ts (a few kills) and bench/reliability-kill-nine.ts (50).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { CacheLayout, parseRepoId } from "@aotihub/loader";
import { assertCacheSound } from "./cache-assertions.js";
import { REPO } from "./served-repo.js";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../../..");
const PY_CHILD = resolve(import.meta.dirname, "hf_cache_child.py");
const NODE_CHILD = resolve(import.meta.dirname, "download-child.ts");

export interface KillNineParams {
  endpoint: string;
  cacheDir: string;
  python: string;
  files: string[];
  downloads: number;
  parallel: number;
  seed: number;
  /** Kill each process at a random time in [0, maxKillMs) after its download starts (it may finish first). */
  maxKillMs: number;
}

export interface KillNineResult {
  started: { node: number; python: number };
  killed: number;
  finished: number;
  /** Processes that exited non-zero without being killed: each is a failure. */
  failed: string[];
  blobs: number;
  /** Blob names whose inode changed while the runs went on (written more than once). */
  rewritten: string[];
  /** Blob files left with other bytes than their name says, or links to no sound blob. */
  unsound: string | undefined;
  scanWarnings: string[];
  rerun: { node: boolean; python: boolean; files: number };
}

export async function runKillNine(p: KillNineParams): Promise<KillNineResult> {
  let state = p.seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const env = {
    ...process.env,
    HF_ENDPOINT: p.endpoint,
    HF_HOME: p.cacheDir,
    HF_HUB_CACHE: p.cacheDir,
    HF_TOKEN: "",
    HF_HUB_DISABLE_XET: "1",
    HF_HUB_DISABLE_TELEMETRY: "1",
  };
  const blobsDir = new CacheLayout(p.cacheDir).blobsDir(parseRepoId(REPO));
  const inodes = new Map<string, Set<number>>();
  const watch = setInterval(() => {
    for (const name of safeList(blobsDir)) {
      if (name.includes(".incomplete")) continue;
      const ino = statSync(join(blobsDir, name), { throwIfNoEntry: false })?.ino;
      if (ino !== undefined) inodes.set(name, (inodes.get(name) ?? new Set()).add(ino));
    }
  }, 10);

  const result: KillNineResult = {
    started: { node: 0, python: 0 },
    killed: 0,
    finished: 0,
    failed: [],
    blobs: 0,
    rewritten: [],
    unsound: undefined,
    scanWarnings: [],
    rerun: { node: false, python: false, files: 0 },
  };
  const spawnDownload = (python: boolean, file: string): ChildProcess =>
    python
      ? spawn(p.python, [PY_CHILD, "download", REPO, file], { env, stdio: ["ignore", "pipe", "pipe"] })
      : spawn(process.execPath, ["--import", "tsx", NODE_CHILD, p.endpoint, p.cacheDir, file], {
          cwd: repoRoot,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });

  let next = 0;
  const worker = async () => {
    while (next < p.downloads) {
      const n = next++;
      const python = rand() < 0.5;
      const file = p.files[Math.floor(rand() * p.files.length)]!;
      const killAfter = Math.floor(rand() * p.maxKillMs);
      if (python) result.started.python++;
      else result.started.node++;
      const child = spawnDownload(python, file);
      let stderr = "";
      let timer: NodeJS.Timeout | undefined;
      child.stderr?.on("data", (d) => {
        stderr = (stderr + d).slice(-1500);
        if (timer === undefined && stderr.includes("downloading\n"))
          timer = setTimeout(() => child.kill("SIGKILL"), killAfter);
      });
      child.stdout?.resume();
      const [code, signal] = await new Promise<[number | null, string | null]>((done) =>
        child.on("exit", (c, s) => done([c, s])),
      );
      clearTimeout(timer);
      if (signal === "SIGKILL") result.killed++;
      else if (code === 0) result.finished++;
      else result.failed.push(`#${n} ${python ? "python" : "node"} ${file}: exit ${code} ${stderr}`);
    }
  };
  await Promise.all(Array.from({ length: p.parallel }, worker));
  clearInterval(watch);

  try {
    result.blobs = assertCacheSound(new CacheLayout(p.cacheDir).repoDir(parseRepoId(REPO))).length;
  } catch (error) {
    result.unsound = (error as Error).message;
  }
  result.rewritten = [...inodes].filter(([, set]) => set.size > 1).map(([name]) => name);
  result.scanWarnings = (await scan(p.python, env)).warnings;

  // the rerun: every file, once by each client, no kills
  const node = await Promise.allSettled(
    p.files.map((file) =>
      run(process.execPath, ["--import", "tsx", NODE_CHILD, p.endpoint, p.cacheDir, file], {
        cwd: repoRoot,
        env,
      }),
    ),
  );
  result.rerun.node = node.every((r) => r.status === "fulfilled");
  const py = await Promise.allSettled(
    p.files.map((file) => run(p.python, [PY_CHILD, "download", REPO, file], { env })),
  );
  result.rerun.python = py.every((r) => r.status === "fulfilled");
  const after = await scan(p.python, env);
  result.rerun.files = after.repos.find((r) => r.id === REPO)?.files.length ?? 0;
  result.scanWarnings.push(...after.warnings);
  try {
    result.blobs = assertCacheSound(new CacheLayout(p.cacheDir).repoDir(parseRepoId(REPO))).length;
  } catch (error) {
    result.unsound ??= (error as Error).message;
  }
  return result;
}

async function scan(
  python: string,
  env: NodeJS.ProcessEnv,
): Promise<{ warnings: string[]; repos: { id: string; files: string[] }[] }> {
  const { stdout } = await run(python, [PY_CHILD, "scan"], { env });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

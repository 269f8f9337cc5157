import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { aotihubCacheDir } from "../node-fs/aotihub-cache-dir.js";
import type { PythonLayout } from "./python-layout.js";

/**
 * An interpreter's layout kept on disk across processes, so that a fresh process finds torch without
 * a python spawn (30-80 ms of its cold start; on the H200 machine ~60 ms between loadCompiled's start
 * and libtorch's dlopen). Only answers that found torch are kept. One is used only while everything
 * that could change it reads as it did: the interpreter (the path PATH gives it, its real file, that
 * file's size and mtime), torch's version.py (size and mtime: a reinstall rewrites it), the folder
 * holding torch (its mtime: a package installed or removed beside it), lib/libtorch_cpu.so and the
 * nvidia folders still there. `python -I` ignores PYTHON* variables and the user site, so no other
 * variable enters the answer. AOTIHUB_PYTHON_LAYOUT_CACHE=0 turns it off; any error here only costs
 * the spawn.
 */
interface Saved {
  format: 1;
  exe: FileFacts;
  versionPy: FileFacts;
  torchParentMtimeMs: number;
  layout: PythonLayout;
}

interface FileFacts {
  path: string;
  size: number;
  mtimeMs: number;
}

export function readSavedLayout(python: string, env: NodeJS.ProcessEnv): PythonLayout | null {
  const file = savedFile(python, env);
  if (file === null) return null;
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as Saved;
    const torch = saved.layout.torch;
    if (saved.format !== 1 || torch === null) return null;
    const exe = executableFacts(python, env);
    if (exe === null || !sameFacts(exe, saved.exe)) return null;
    const versionPy = fileFacts(join(torch, "version.py"));
    if (versionPy === null || !sameFacts(versionPy, saved.versionPy)) return null;
    if (statSync(dirname(torch)).mtimeMs !== saved.torchParentMtimeMs) return null;
    statSync(join(torch, "lib", "libtorch_cpu.so"));
    for (const dir of saved.layout.nvidia) statSync(dir);
    return saved.layout;
  } catch {
    return null;
  }
}

export function saveLayout(python: string, env: NodeJS.ProcessEnv, layout: PythonLayout): void {
  const file = savedFile(python, env);
  if (file === null || layout.torch === null) return;
  try {
    const exe = executableFacts(python, env);
    const versionPy = fileFacts(join(layout.torch, "version.py"));
    if (exe === null || versionPy === null) return;
    const saved: Saved = {
      format: 1,
      exe,
      versionPy,
      torchParentMtimeMs: statSync(dirname(layout.torch)).mtimeMs,
      layout,
    };
    mkdirSync(dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(saved));
    renameSync(partial, file); // readers see the old answer or the new one, never half of one
  } catch {
    // a read-only or full cache: the next process asks python again
  }
}

function savedFile(python: string, env: NodeJS.ProcessEnv): string | null {
  if (env.AOTIHUB_PYTHON_LAYOUT_CACHE === "0") return null;
  const key = createHash("sha256")
    .update(`${python}\0${env.PATH ?? ""}`)
    .digest("hex")
    .slice(0, 32);
  return join(aotihubCacheDir(env), "python-layouts", `${key}.json`);
}

/** The file `python` runs as: a path as given, or the first match on PATH, with its real file's facts. */
function executableFacts(python: string, env: NodeJS.ProcessEnv): FileFacts | null {
  const candidates = python.includes("/")
    ? [isAbsolute(python) ? python : join(process.cwd(), python)]
    : (env.PATH ?? "").split(delimiter).map((dir) => join(dir || ".", python));
  for (const candidate of candidates) {
    try {
      const real = realpathSync(candidate);
      const stat = statSync(real);
      if (stat.isFile() && (stat.mode & 0o111) !== 0)
        return { path: `${candidate}\0${real}`, size: stat.size, mtimeMs: stat.mtimeMs };
    } catch {}
  }
  return null;
}

function fileFacts(path: string): FileFacts | null {
  try {
    const stat = statSync(path);
    return { path, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return null;
  }
}

function sameFacts(a: FileFacts, b: FileFacts): boolean {
  return a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

import { execFile } from "node:child_process";
import { readSavedLayout, saveLayout } from "./saved-python-layout.js";

/** What one interpreter's own install holds, read in one spawn without importing anything. */
export interface PythonLayout {
  /** The torch package folder, or null (then `why`). */
  torch: string | null;
  why: string;
  /** The `nvidia` namespace package's folders (where the CUDA wheels put their libraries). */
  nvidia: string[];
}

/** Who reads a layout: findTorch, or the standalone runtime's libcudart lookup. */
export type PythonLayoutReader = "torch" | "cuda";

// find_spec locates a package without running its __init__ (torch's takes seconds and starts CUDA).
const SCRIPT = [
  "import importlib.util as u, json",
  "def where(name):",
  "    try:",
  "        s = u.find_spec(name)",
  "    except Exception:",
  "        return []",
  "    return list(s.submodule_search_locations or []) if s else []",
  "print(json.dumps({'torch': (where('torch') or [''])[0], 'nvidia': where('nvidia')}))",
].join("\n");

// `python3 -c` puts the working directory first on sys.path, so a `torch/` folder there (a cloned
// repo, /tmp) would become the libtorch we dlopen. `-I` (isolated: no cwd or script dir on
// sys.path, no PYTHON* variables, no user site) run from `/` asks only the interpreter's install.
const ISOLATED = ["-I", "-c", SCRIPT];
const NEUTRAL_CWD = "/";

interface Entry {
  asking: Promise<PythonLayout>;
  answer?: PythonLayout;
  readBy: Set<PythonLayoutReader>;
}

// The key holds what could change the answer between calls (PATH; the working directory, which
// -I and the neutral cwd already keep out, so a planted torch/ is checked for real in each new one).
const entries = new Map<string, Entry>();

/**
 * One interpreter's layout, shared by findTorch and the libcudart lookup, so that a load asks each
 * python once for both (a spawn costs 30-80 ms of a cold start), and a process asks none where an
 * earlier one's answer still holds (saved-python-layout.ts). An answer still coming is shared
 * by every caller. Once answered: an answer that found torch serves findTorch for the rest of the
 * process; any other answer serves each reader once, and its next call asks again (a torch or a
 * CUDA wheel installed meanwhile is found by the next load).
 */
export function pythonLayout(
  python: string,
  env: NodeJS.ProcessEnv,
  reader: PythonLayoutReader,
): Promise<PythonLayout> {
  const key = `${python}\0${env.PATH ?? ""}\0${process.cwd()}`;
  let entry = entries.get(key);
  const usable =
    entry !== undefined &&
    (entry.answer === undefined ||
      !entry.readBy.has(reader) ||
      (reader === "torch" && entry.answer.torch !== null));
  if (entry === undefined || !usable) {
    // The first ask of a process may be answered by an earlier process (saved-python-layout.ts)
    const saved = entry === undefined ? readSavedLayout(python, env) : null;
    const fresh: Entry = {
      asking: saved !== null ? Promise.resolve(saved) : askPython(python, env),
      readBy: new Set(),
    };
    void fresh.asking.then((answer) => {
      fresh.answer = answer;
      if (saved === null && answer.torch !== null) saveLayout(python, env, answer);
    });
    entries.set(key, fresh);
    entry = fresh;
  }
  entry.readBy.add(reader);
  return entry.asking;
}

function askPython(python: string, env: NodeJS.ProcessEnv): Promise<PythonLayout> {
  return new Promise((resolve) => {
    execFile(python, ISOLATED, { env, cwd: NEUTRAL_CWD, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) {
        const why =
          (error as NodeJS.ErrnoException).code === "ENOENT"
            ? "not installed"
            : stderr.trim() || error.message;
        resolve({ torch: null, why, nvidia: [] });
        return;
      }
      let parsed: { torch?: unknown; nvidia?: unknown };
      try {
        parsed = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as typeof parsed;
      } catch {
        resolve({ torch: null, why: `unexpected answer: ${stdout.trim().slice(0, 200)}`, nvidia: [] });
        return;
      }
      const torch = typeof parsed.torch === "string" && parsed.torch !== "" ? parsed.torch : null;
      const nvidia = Array.isArray(parsed.nvidia)
        ? parsed.nvidia.filter((p): p is string => typeof p === "string")
        : [];
      resolve({ torch, why: torch === null ? "has no torch package" : "", nvidia });
    });
  });
}

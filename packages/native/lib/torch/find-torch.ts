import { execFile } from "node:child_process";
import { TorchNotFoundError } from "../errors/native-errors.js";
import { readTorchInstall } from "./read-torch-install.js";
import type { TorchInstall } from "./torch-install.js";

export interface FindTorchOptions {
  /** A torch package folder (with lib/ and version.py) or an unpacked libtorch; tried first. */
  torchDir?: string;
  /** Environment to read AOTIHUB_TORCH_DIR and AOTIHUB_PYTHON from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Interpreters to ask, after the env vars (default: $AOTIHUB_PYTHON, then python3). */
  pythons?: string[];
}

// find_spec locates the package without running torch/__init__.py (seconds, and CUDA init).
const LOCATE =
  "import importlib.util as u; s = u.find_spec('torch'); print(s.submodule_search_locations[0] if s else '')";

/**
 * Finds libtorch: the explicit option, then AOTIHUB_TORCH_DIR, then the `torch` package of
 * $AOTIHUB_PYTHON and of `python3`, located without importing torch. Throws one diagnostic error
 * listing every place tried and what was there.
 */
export async function findTorch(options: FindTorchOptions = {}): Promise<TorchInstall> {
  const env = options.env ?? process.env;
  const tried: string[] = [];
  const candidates: [string, string][] = [];
  if (options.torchDir) candidates.push([options.torchDir, "option torchDir"]);
  if (env.AOTIHUB_TORCH_DIR) candidates.push([env.AOTIHUB_TORCH_DIR, "AOTIHUB_TORCH_DIR"]);
  for (const [dir, source] of candidates) {
    const found = readTorchInstall(dir, source);
    if (typeof found !== "string") return found;
    tried.push(`${source}: ${found}`);
  }
  const pythons = options.pythons ?? [env.AOTIHUB_PYTHON, "python3"].filter((p): p is string => !!p);
  for (const python of pythons) {
    const located = await locateWith(python, env);
    if (located.dir === null) {
      tried.push(`${python}: ${located.why}`);
      continue;
    }
    const found = readTorchInstall(located.dir, python);
    if (typeof found !== "string") return found;
    tried.push(`${python}: ${found}`);
  }
  throw new TorchNotFoundError("AOTIHUB_TORCH_NOT_FOUND", "Could not find libtorch to run compiled models.", {
    expected: "a torch installation with lib/libtorch_cpu.so (the torch wheel, or an unpacked libtorch)",
    received: `tried, in order:\n    ${tried.join("\n    ")}\n  platform: ${process.platform}-${process.arch}, Node ${process.versions.node}`,
    hint: [
      "Possible solutions:",
      "  - pass { torchDir: '/path/to/site-packages/torch' }",
      "  - or set AOTIHUB_TORCH_DIR to that folder",
      "  - or install torch for python3 (`python3 -m pip install torch`), matching the torch the model was compiled with",
    ].join("\n"),
  });
}

/**
 * `python3 -c` puts the working directory first on sys.path, so a `torch/` folder there (a cloned
 * repo, /tmp) would become the libtorch we dlopen. `-I` (isolated: no cwd or script dir on
 * sys.path, no PYTHON* variables, no user site) run from `/` asks only the interpreter's install.
 */
const ISOLATED = ["-I", "-c", LOCATE];
const NEUTRAL_CWD = "/";

// Each interpreter is asked once per process (a spawn costs 30-80 ms of a cold start, and a load
// asks twice: probeDevice, then loadPackages); a failed answer is asked again next time. The key
// holds what could change the answer between calls (PATH; the working directory, which -I and the
// neutral cwd already keep out, so a planted torch/ is checked for real in each new directory).
const located = new Map<string, Promise<{ dir: string | null; why: string }>>();

function locateWith(python: string, env: NodeJS.ProcessEnv): Promise<{ dir: string | null; why: string }> {
  const key = `${python}\0${env.PATH ?? ""}\0${process.cwd()}`;
  const known = located.get(key);
  if (known !== undefined) return known;
  const asking = askPython(python, env);
  located.set(key, asking);
  void asking.then((answer) => {
    if (answer.dir === null) located.delete(key);
  });
  return asking;
}

function askPython(python: string, env: NodeJS.ProcessEnv): Promise<{ dir: string | null; why: string }> {
  return new Promise((resolve) => {
    execFile(python, ISOLATED, { env, cwd: NEUTRAL_CWD, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) {
        const why =
          (error as NodeJS.ErrnoException).code === "ENOENT"
            ? "not installed"
            : stderr.trim() || error.message;
        resolve({ dir: null, why });
        return;
      }
      const dir = stdout.trim();
      resolve(dir === "" ? { dir: null, why: "has no torch package" } : { dir, why: "" });
    });
  });
}

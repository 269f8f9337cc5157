import { TorchNotFoundError } from "../errors/native-errors.js";
import { pythonLayout } from "./python-layout.js";
import { readTorchInstall } from "./read-torch-install.js";
import { readSavedLayout } from "./saved-python-layout.js";
import type { TorchInstall } from "./torch-install.js";

export interface FindTorchOptions {
  /** A torch package folder (with lib/ and version.py) or an unpacked libtorch; tried first. */
  torchDir?: string;
  /** Environment to read AOTIHUB_TORCH_DIR and AOTIHUB_PYTHON from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Interpreters to ask, after the env vars (default: $AOTIHUB_PYTHON, then python3). */
  pythons?: string[];
}

/**
 * Finds libtorch: the explicit option, then AOTIHUB_TORCH_DIR, then the `torch` package of
 * $AOTIHUB_PYTHON and of `python3`, located without importing torch. Throws one diagnostic error
 * listing every place tried and what was there.
 */
export async function findTorch(options: FindTorchOptions = {}): Promise<TorchInstall> {
  const env = options.env ?? process.env;
  const tried: string[] = [];
  const named = fromNamedFolders(options, env, tried);
  if (named !== null) return named;
  for (const python of interpreters(options, env)) {
    const located = await pythonLayout(python, env, "torch");
    if (located.torch === null) {
      tried.push(`${python}: ${located.why}`);
      continue;
    }
    const found = readTorchInstall(located.torch, python);
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
 * What findTorch would answer, where that is known without running python: the named folders, then
 * each interpreter's layout saved by an earlier process (saved-python-layout.ts), in findTorch's
 * order; null as soon as an interpreter would have to be asked (its answer could come first). For
 * `node --import @aotihub/loader/cuda-early`, which starts libtorch's dlopens at process start.
 */
export function findTorchWithoutPython(options: FindTorchOptions = {}): TorchInstall | null {
  const env = options.env ?? process.env;
  const named = fromNamedFolders(options, env, []);
  if (named !== null) return named;
  for (const python of interpreters(options, env)) {
    const layout = readSavedLayout(python, env);
    if (layout === null) return null; // not saved, or saved without torch: only python can tell
    const found = readTorchInstall(layout.torch!, python);
    if (typeof found !== "string") return found;
  }
  return null;
}

/** The explicit option, then AOTIHUB_TORCH_DIR; what each held when it was not a torch goes to `tried`. */
function fromNamedFolders(
  options: FindTorchOptions,
  env: NodeJS.ProcessEnv,
  tried: string[],
): TorchInstall | null {
  const candidates: [string, string][] = [];
  if (options.torchDir) candidates.push([options.torchDir, "option torchDir"]);
  if (env.AOTIHUB_TORCH_DIR) candidates.push([env.AOTIHUB_TORCH_DIR, "AOTIHUB_TORCH_DIR"]);
  for (const [dir, source] of candidates) {
    const found = readTorchInstall(dir, source);
    if (typeof found !== "string") return found;
    tried.push(`${source}: ${found}`);
  }
  return null;
}

function interpreters(options: FindTorchOptions, env: NodeJS.ProcessEnv): string[] {
  return options.pythons ?? [env.AOTIHUB_PYTHON, "python3"].filter((p): p is string => !!p);
}

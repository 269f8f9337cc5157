import type { FindTorchOptions } from "./find-torch.js";
import { readTorchInstall } from "./read-torch-install.js";
import { readSavedLayout } from "./saved-python-layout.js";
import type { TorchInstall } from "./torch-install.js";

// Node builtins and the files' own readers only (no addon, no registry): `--import cuda-early`
// imports this before the application, where every millisecond delays the application's start.

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
export function fromNamedFolders(
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

export function interpreters(options: FindTorchOptions, env: NodeJS.ProcessEnv): string[] {
  return options.pythons ?? [env.AOTIHUB_PYTHON, "python3"].filter((p): p is string => !!p);
}

import { TorchNotFoundError } from "../errors/native-errors.js";
import { fromNamedFolders, interpreters } from "./find-torch-without-python.js";
import { pythonLayout } from "./python-layout.js";
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

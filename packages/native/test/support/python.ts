import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { findTorch, type TorchInstall } from "@aotihub/native";

/** The project's Python (torch, huggingface_hub, filelock): AOTIHUB_PYTHON, else the repo's .venv. */
export function testPython(): string {
  const fromEnv = process.env.AOTIHUB_PYTHON;
  if (fromEnv) return fromEnv;
  const venv = fileURLToPath(new URL("../../../../.venv/bin/python", import.meta.url));
  if (existsSync(venv)) return venv;
  throw new Error(`no test Python: set AOTIHUB_PYTHON or create ${venv} (bash scripts/bootstrap.sh)`);
}

/** The torch of the test Python, found the way users' code finds it. */
export function testTorch(): Promise<TorchInstall> {
  found ??= findTorch({ pythons: [testPython()] });
  return found;
}
let found: Promise<TorchInstall> | undefined;

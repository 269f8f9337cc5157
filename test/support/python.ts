import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./repo-root.js";

/** The Python with torch the tests use: AOTIHUB_PYTHON (set by scripts/test.sh), else the repo's .venv. */
export function findPython(): string {
  const fromEnv = process.env.AOTIHUB_PYTHON;
  if (fromEnv) return fromEnv;
  const venv = join(repoRoot, ".venv", "bin", "python");
  if (existsSync(venv)) return venv;
  throw new Error(
    "No Python with torch for the tests: set AOTIHUB_PYTHON or run `bash scripts/bootstrap.sh` to create .venv",
  );
}

/** Environment for running the export helper from source, without installing it. */
export function exportHelperEnv(): NodeJS.ProcessEnv {
  const src = join(repoRoot, "python", "aotihub_export", "src");
  const existing = process.env.PYTHONPATH;
  return { ...process.env, PYTHONPATH: existing ? `${src}:${existing}` : src };
}

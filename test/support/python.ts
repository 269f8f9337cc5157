import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./repo-root.js";

// The one way tests find and run the project's Python (torch, huggingface_hub, safetensors,
// filelock): every package's tests import from here.

/** The Python with torch the tests use: AOTIHUB_PYTHON (set by scripts/test.sh), else the repo's .venv. */
export function testPython(): string {
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

export interface PythonResult {
  stdout: string;
  stderr: string;
}

export interface RunPythonOptions {
  /** Variables added to the environment (which already has the export helper importable). */
  env?: Record<string, string>;
  /** Also stream stderr, so a long compile shows progress. */
  echo?: boolean;
}

/**
 * Runs the test Python from the repo root with the export helper importable and huggingface_hub's
 * telemetry off. Rejects with the tail of stderr when it exits non-zero.
 */
export function runPython(args: string[], opts: RunPythonOptions = {}): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const env = { ...exportHelperEnv(), HF_HUB_DISABLE_TELEMETRY: "1", ...opts.env };
    const child = spawn(testPython(), args, { cwd: repoRoot, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (opts.echo) process.stderr.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`python ${args.join(" ")} exited with ${code}:\n${stderr.slice(-4000)}`));
    });
  });
}

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The Python with torch and huggingface_hub the tests use as a judge (scripts/test.sh sets AOTIHUB_PYTHON). */
export function projectPython(): string {
  const fromEnv = process.env.AOTIHUB_PYTHON;
  if (fromEnv) return fromEnv;
  const venv = fileURLToPath(new URL("../../../../.venv/bin/python", import.meta.url));
  if (!existsSync(venv)) throw new Error(`No Python: set AOTIHUB_PYTHON or create ${venv}`);
  return venv;
}

/** Runs a script with the project Python and returns its stdout; rejects with stderr on failure. */
export function runPython(script: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      projectPython(),
      [script, ...args],
      { env: { ...process.env, HF_HUB_DISABLE_TELEMETRY: "1", ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

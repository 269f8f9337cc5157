import { spawn } from "node:child_process";
import { exportHelperEnv, findPython } from "./python.js";
import { repoRoot } from "./repo-root.js";

export interface PythonResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs the test Python with the export helper importable. stderr is collected and, with
 * `echo`, also streamed so a long compile shows progress. Rejects with the tail of stderr.
 */
export function runPython(
  args: string[],
  opts: { echo?: boolean; env?: Record<string, string> } = {},
): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(findPython(), args, { cwd: repoRoot, env: { ...exportHelperEnv(), ...opts.env } });
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

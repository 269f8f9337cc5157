import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./repo-root.js";

/** The built `aotihub` CLI (the global setup builds it). */
export const BUILT_CLI = join(repoRoot, "packages", "loader", "dist", "cli", "main.js");

export interface ServedHub {
  /** HF_ENDPOINT of the served Hub. */
  url: string;
  process: ChildProcess;
  close(): Promise<void>;
}

/**
 * `aotihub serve <root> [args]` as a child process on loopback, the local Hub users run: ready
 * once it prints its HF_ENDPOINT; close() stops it with SIGTERM and waits for it to exit.
 */
export async function serveChild(root: string, args: string[] = []): Promise<ServedHub> {
  const child = spawn(process.execPath, [BUILT_CLI, "serve", root, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const found = /HF_ENDPOINT=(\S+)/.exec(output);
      if (found) resolve(found[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`aotihub serve exited with ${code}: ${output}`)));
  });
  return {
    url,
    process: child,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

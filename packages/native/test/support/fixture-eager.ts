import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { testPython } from "./python.js";

const run = promisify(execFile);

/**
 * The checked-in fixtures' Tiny model run eagerly by this machine's torch on each io file's `x`:
 * io file -> the float32 `y` bytes, base64. (The io files' own `y` came from another CPU.)
 */
export async function tinyFixtureEager(folder: string, ioFiles: string[]): Promise<Record<string, string>> {
  const script = fileURLToPath(new URL("./tiny_fixture_eager.py", import.meta.url));
  const { stdout } = await run(testPython(), [script, folder, ...ioFiles]);
  return JSON.parse(stdout) as Record<string, string>;
}

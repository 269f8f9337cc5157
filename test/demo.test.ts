import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/repo-root.js";

const run = promisify(execFile);

/** README command 1 ends in `aotihub demo`; this runs the built CLI the way the script does. */
async function demo(): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [join(repoRoot, "packages/loader/dist/cli/main.js"), "demo", "--device", "cpu", "--runs", "3"],
    { cwd: repoRoot, env: process.env, maxBuffer: 16 << 20 },
  );
  return stdout;
}

function checksums(stdout: string): Record<string, string> {
  const rows = [
    ...stdout.matchAll(/^(\d+)\s+[\d.]+ ms\s+[\d.]+ ms\s+([0-9a-f]{16})\s+\((aoti\/\S+\.pt2)\)$/gm),
  ];
  return Object.fromEntries(rows.map((r) => [r[1]!, r[2]!]));
}

describe("aotihub demo (README command 1) on CPU", () => {
  it("exports, serves, loads and runs every resolution, deterministically", {
    timeout: 600_000,
  }, async () => {
    const first = await demo();
    expect(first).toContain('loadCompiled("tiny-dit") on cpu');
    expect(first).toContain("trusted because: listed in trustedRepos");
    const sums = checksums(first);
    expect(Object.keys(sums).sort()).toEqual(["16", "64"]);

    // The second run reuses the exported repo and must compute the same outputs.
    const second = await demo();
    expect(second).not.toContain("exporting the tiny DiT");
    expect(checksums(second)).toEqual(sums);
  });
});

import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/repo-root.js";

const run = promisify(execFile);
const loaderDir = join(repoRoot, "packages/loader");

/** README command 1 ends in `aotihub demo`; this runs a built CLI the way the script does. */
async function demo(cli = join(loaderDir, "dist/cli/main.js"), env = process.env): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, "demo", "--device", "cpu", "--runs", "3"], {
    cwd: repoRoot,
    env,
    maxBuffer: 16 << 20,
  });
  return stdout;
}

/**
 * @aotihub/loader laid out as an install puts it, outside the checkout: node_modules/@aotihub/loader
 * with what the package ships (package.json, dist/, demo-python/). Its dependencies are the
 * workspace's (linked), so only the demo's own lookups are put to the test.
 */
function installedLoader(): { cli: string; cleanup: () => void } {
  const project = mkdtempSync(join(tmpdir(), "aotihub-installed-"));
  const pkg = join(project, "node_modules", "@aotihub", "loader");
  mkdirSync(pkg, { recursive: true });
  for (const shipped of ["package.json", "dist", "demo-python"]) {
    cpSync(join(loaderDir, shipped), join(pkg, shipped), { recursive: true });
  }
  symlinkSync(join(loaderDir, "node_modules"), join(pkg, "node_modules"));
  return {
    cli: join(pkg, "dist/cli/main.js"),
    cleanup: () => rmSync(project, { recursive: true, force: true }),
  };
}

function checksums(stdout: string): Record<string, string> {
  const rows = [
    ...stdout.matchAll(/^(\d+)\s+[\d.]+ ms\s+[\d.]+ ms\s+([0-9a-f]{16})\s+\((aoti\/\S+\.pt2)\)$/gm),
  ];
  return Object.fromEntries(rows.map((r) => [r[1]!, r[2]!]));
}

describe("aotihub demo (README command 1) on CPU", () => {
  it("exports, serves, loads and runs every resolution, deterministically, from a checkout and installed", {
    timeout: 600_000,
  }, async () => {
    const first = await demo();
    expect(first).toContain('loadCompiled("tiny-dit") on cpu');
    expect(first).toContain("trusted because: listed in trustedRepos");
    const sums = checksums(first);
    expect(Object.keys(sums).sort()).toEqual(["16", "64"]);

    // The second run, from the installed layout (no checkout above it), finds its bundled export
    // helper, reuses the exported repo and must compute the same outputs.
    const installed = installedLoader();
    try {
      const second = await demo(installed.cli);
      expect(second).not.toContain("exporting the tiny DiT");
      expect(checksums(second)).toEqual(sums);
    } finally {
      installed.cleanup();
    }
  });

  it("without a Python with torch, says how to get one (typed error, nothing installed)", async () => {
    const failed = await demo(undefined, { ...process.env, AOTIHUB_PYTHON: "/bin/false" }).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).not.toBe(0);
    expect(failed?.stderr).toContain("AOTIHUB_PYTHON_NO_TORCH");
    expect(failed?.stderr).toContain("bash scripts/demo.sh");
  });
});

import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/repo-root.js";
import { GPU_TEST_MODELS, runGpuSuite } from "./gpu-suite.js";

// The real CUDA suite, run here where no model was compiled for CUDA (as after a failed compile):
// every section it could not run must come back as failed checks and a red summary, never as a
// shorter list of passes.
describe("the CUDA suite's accounting, without compiled models", () => {
  it("fails every planned check whose model folder is missing, and says how many ran", async () => {
    const lines: string[] = [];
    const result = await runGpuSuite({
      modelsRoot: await mkdtemp(join(tmpdir(), "aotihub-no-gpu-models-")),
      fixtures: join(repoRoot, "packages", "native", "test", "fixtures", "aoti-cuda-sm90-torch2.11"),
      cacheDir: join(repoRoot, ".cache", "native-test-so"),
      log: (line) => lines.push(line),
    });
    const { summary } = result;
    expect(summary.ok).toBe(false);
    for (const name of GPU_TEST_MODELS) {
      const records = result.checks.filter((c) => c.name === `${name} vs eager`);
      expect(records.map((r) => [r.status, r.detail.includes("no compiled repo")])).toEqual([["fail", true]]);
    }
    expect(summary.failed).toContain("CUDA load/run/dispose cycles leave RSS and device memory flat");
    expect(summary.failed).toContain("event loop turns while GPU runs are in flight");
    expect(summary.passed).toBe(0);
    expect(summary.line).toMatch(
      new RegExp(`^${summary.ran} of ${summary.planned} planned checks ran, 0 passed`),
    );
    expect(lines.at(-1)).toBe(summary.line);
  });
});

import { existsSync } from "node:fs";
import { join } from "node:path";
import { probeGpus } from "@aotihub/native";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/repo-root.js";
import { runGpuSuite } from "./gpu-suite.js";

// CI has no GPU: say so visibly instead of passing silently. On a GPU machine, point
// AOTIHUB_GPU_MODELS at CUDA-compiled test models (test/gpu/run.sh device does all of it).
const gpus = await probeGpus();
const models = process.env.AOTIHUB_GPU_MODELS;
const reason =
  gpus.length === 0
    ? "no CUDA GPU on this machine"
    : models
      ? ""
      : "AOTIHUB_GPU_MODELS is not set (see test/gpu/run.sh)";
if (reason) console.warn(`[gpu] CUDA suite skipped: ${reason}`);

describe.skipIf(reason !== "")("CUDA suite", () => {
  it("passes every check", { timeout: 600_000 }, async () => {
    const result = await runGpuSuite({
      modelsRoot: models!,
      fixtures: join(repoRoot, "packages", "native", "test", "fixtures", "aoti-cuda-sm90-torch2.11"),
      cacheDir: join(repoRoot, ".cache", "native-test-so"),
    });
    expect(existsSync(models!)).toBe(true);
    expect(result.summary.line).toMatch(/^(\d+) of \1 planned checks ran, \1 passed/);
    expect(result.summary.ok).toBe(true);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startTestHubServer,
  syntheticBytes,
  syntheticContent,
  type TestHubServer,
} from "@aotihub/hub-server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKillNine } from "./support/kill-nine.js";
import { writeServedRepo } from "./support/served-repo.js";

// The CI-sized run of the kill -9 figure (the full one: bench/reliability-kill-nine.ts): 8 Node
// and Python downloads into one cache, 4 at once, each killed at a seeded random time.
const FILES = ["a.safetensors", "b.safetensors", "config.json"];
let hub: TestHubServer;
let root: string;
let cacheDir: string;

beforeAll(async () => {
  root = await writeServedRepo({
    "a.safetensors": syntheticBytes(syntheticContent(3 * (1 << 20) + 1, 21)),
    "b.safetensors": syntheticBytes(syntheticContent(2 * (1 << 20) + 5, 22)),
    "config.json": Buffer.from('{"kill": 9}\n'),
  });
  hub = await startTestHubServer({ root });
  // slow enough that kills land mid-body: each CDN response at 4 MB/s
  hub.faults.inject({
    origin: "cdn",
    action: { type: "throttle", bytesPerSecond: 2_000_000 },
    times: Infinity,
  });
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-kill9-"));
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("kill -9 during downloads into one cache (Node and Python)", () => {
  it("leaves only sound blobs, written once, that scan_cache_dir accepts, and a rerun completes", async () => {
    const result = await runKillNine({
      endpoint: hub.url,
      cacheDir,
      python: process.env.AOTIHUB_PYTHON!, // vitest.config.ts sets it
      files: FILES,
      downloads: 8,
      parallel: 4,
      seed: 11,
      maxKillMs: 2500,
    });
    expect(result.started.node).toBeGreaterThan(0);
    expect(result.started.python).toBeGreaterThan(0);
    expect(result.killed).toBeGreaterThan(0);
    expect(result.failed).toEqual([]);
    expect(result.unsound).toBeUndefined();
    expect(result.rewritten).toEqual([]);
    expect(result.scanWarnings).toEqual([]);
    expect(result.rerun).toEqual({ node: true, python: true, files: FILES.length });
    expect(result.blobs).toBe(FILES.length);
  }, 240_000);
});

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { artifactRuntime, parseManifest } from "@aotihub/registry";
import { beforeAll, describe, expect, it } from "vitest";
import { testTorch } from "../packages/native/test/support/python.js";
import { repoRoot } from "./support/repo-root.js";
import { ensureTestModels, type TestModels } from "./support/test-models.js";

// Issue 13: a publisher ships both builds of a model in one repo (export helper runtime=["libtorch",
// "standalone"]), so machines with torch take the libtorch build and machines without it the
// standalone one. Both share one weight set; each runtime's builds load from it, in a process of
// their own (one runtime per process), and reproduce the eager outputs.

let models: TestModels;
let torchDir: string;
beforeAll(async () => {
  models = await ensureTestModels();
  torchDir = (await testTorch()).dir;
}, 900_000);

interface ChildResult {
  paths: string[];
  errors: Record<string, number[]>;
  libtorchMapped: boolean;
}

function loadInChild(runtime: "libtorch" | "standalone"): ChildResult {
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repoRoot, "test", "support", "load-runtime-child.ts"),
      models.models["both-runtimes-mlp"],
      runtime,
      torchDir,
      join(repoRoot, ".cache", "native-test-so"),
    ],
    { encoding: "utf8", timeout: 300_000 },
  );
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as ChildResult;
}

describe("export helper: both runtimes in one repo", () => {
  it("writes one build per runtime for each bucket, sharing one weight set", () => {
    const repo = models.models["both-runtimes-mlp"];
    const manifest = parseManifest(JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")));
    const builds = manifest.artifacts.map((a) => `${a.bucket.name}:${artifactRuntime(a)}`).sort();
    expect(builds).toEqual(["b2:libtorch", "b2:standalone"]);
    const standalone = manifest.artifacts.find((a) => artifactRuntime(a) === "standalone")!;
    expect(standalone.path).toMatch(/^aoti\/cpu-[a-z0-9_-]+-torch\d+\.\d+-standalone\/fp32\/b2\.pt2$/);
    // The standalone CPU build binds prepacked GEMM weights the libtorch build does not have.
    const libtorch = manifest.artifacts.find((a) => artifactRuntime(a) === "libtorch")!;
    const extra = Object.keys(standalone.constants!).filter((fqn) => !(fqn in libtorch.constants!));
    expect(extra.length).toBeGreaterThan(0);
    expect(Object.keys(manifest.weights)).toEqual(["fp32"]);
  });

  it("the libtorch build runs on libtorch, the standalone one without it, both as eager", () => {
    const onLibtorch = loadInChild("libtorch");
    const standalone = loadInChild("standalone");
    expect(onLibtorch.paths).toHaveLength(1);
    expect(onLibtorch.paths[0]).not.toContain("-standalone/");
    expect(standalone.paths[0]).toContain("-standalone/");
    expect(onLibtorch.libtorchMapped).toBe(true);
    expect(standalone.libtorchMapped).toBe(false);
    for (const result of [onLibtorch, standalone]) {
      expect(Object.keys(result.errors)).toEqual(["b2"]);
      for (const err of result.errors.b2!) expect(err).toBeLessThanOrEqual(1e-5);
    }
  });
});

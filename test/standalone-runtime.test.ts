import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildOutcome, ChildRequest } from "./support/load-compiled-child.js";
import { repoRoot } from "./support/repo-root.js";
import { type ServedHub, serveChild } from "./support/serve-child.js";
import { ensureTestModels, type TestModels } from "./support/test-models.js";

// Issue 13 end to end: a local Hub (`aotihub serve` on loopback) serves tiny-mlp with its libtorch
// builds and, beside them, builds marked `"runtime": "standalone"`; `loadCompiled` runs in a child
// process whose environment either finds torch or cannot (AOTIHUB_TORCH_DIR and AOTIHUB_PYTHON
// pointing nowhere, no python3 on PATH), and reports what it chose, what it computed, and which
// libtorch files /proc/self/maps shows.

let models: TestModels;
let scratch: string;
let served: ServedHub;
let hubRoot: string;

/** An environment in which findTorch finds nothing: no torch folder, no Python at all. */
function noTorchEnv(): NodeJS.ProcessEnv {
  const emptyPath = mkdtempSync(join(scratch, "path-"));
  const {
    AOTIHUB_TORCH_DIR: _dir,
    AOTIHUB_PYTHON: _python,
    AOTIHUB_RUNTIME: _runtime,
    ...rest
  } = process.env;
  return {
    ...rest,
    AOTIHUB_TORCH_DIR: join(scratch, "no-torch-here"),
    AOTIHUB_PYTHON: join(scratch, "no-python-here"),
    PATH: emptyPath,
  };
}

function torchEnv(): NodeJS.ProcessEnv {
  const { AOTIHUB_RUNTIME: _runtime, ...rest } = process.env;
  return rest;
}

function loadInChild(repo: string, env: NodeJS.ProcessEnv, runtime?: ChildRequest["runtime"]): ChildOutcome {
  const request: ChildRequest = {
    ref: `acme/${repo}`,
    endpoint: served.url,
    hfHome: mkdtempSync(join(scratch, "home-")),
    ioRepo: models.models["tiny-mlp"],
    buckets: ["b2", "b4"],
    ...(runtime !== undefined && { runtime }),
  };
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "test", "support", "load-compiled-child.ts"), JSON.stringify(request)],
    {
      encoding: "utf8",
      env: { ...env, AOTIHUB_CACHE: join(scratch, "aotihub-cache") },
      cwd: repoRoot,
      timeout: 120_000,
    },
  );
  expect(child.signal, child.stderr).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as ChildOutcome;
}

/** Publishes `artifacts` of tiny-mlp's repo folder as acme/<name>, with the manifest rewritten. */
function publishRepo(name: string, rewrite: (manifest: ManifestJson) => ManifestJson): void {
  const dir = join(hubRoot, "models", "acme", name);
  mkdirSync(join(hubRoot, "models", "acme"), { recursive: true });
  cpSync(models.models["tiny-mlp"], dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "aotihub.json"), "utf8")) as ManifestJson;
  writeFileSync(join(dir, "aotihub.json"), JSON.stringify(rewrite(manifest), null, 2));
}

interface ManifestJson {
  artifacts: { path: string; runtime?: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

beforeAll(async () => {
  models = await ensureTestModels();
  scratch = mkdtempSync(join(tmpdir(), "aotihub-standalone-e2e-"));
  hubRoot = join(scratch, "hub");
  publishRepo("mlp-libtorch", (m) => m);
  served = await serveChild(hubRoot);
});

afterAll(async () => {
  await served?.close();
});

describe("no torch on the machine", () => {
  it("AOTIHUB_TORCH_REQUIRED for a repo of libtorch builds only; nothing of libtorch is loaded", () => {
    const outcome = loadInChild("mlp-libtorch", noTorchEnv());
    expect(outcome).toMatchObject({
      code: "AOTIHUB_TORCH_REQUIRED",
      message: expect.stringContaining("tiny-mlp needs torch on this device"),
    });
    expect(outcome.message).toContain("no torch was found on this machine (install torch >=");
    expect(outcome.message).toContain("or a standalone build of the model");
    expect(outcome.torchLibraries).toEqual([]);
  });

  it("AOTIHUB_TORCH_REQUIRED when the libtorch runtime is asked for", () => {
    const outcome = loadInChild("mlp-libtorch", noTorchEnv(), "libtorch");
    expect(outcome).toMatchObject({ code: "AOTIHUB_TORCH_REQUIRED" });
    expect(outcome.torchLibraries).toEqual([]);
  });
});

describe("torch installed", () => {
  it("a repo of libtorch builds loads on libtorch (the control: libtorch is mapped)", () => {
    const outcome = loadInChild("mlp-libtorch", torchEnv());
    expect(outcome.code, outcome.message).toBeUndefined();
    expect(outcome.runtime).toBe("libtorch");
    expect(outcome.torchLibraries!.some((file) => file.includes("libtorch_cpu.so"))).toBe(true);
  });

  it("AOTIHUB_NO_COMPATIBLE_ARTIFACT when the standalone runtime is asked of a repo without standalone builds", () => {
    const outcome = loadInChild("mlp-libtorch", torchEnv(), "standalone");
    expect(outcome).toMatchObject({ code: "AOTIHUB_NO_COMPATIBLE_ARTIFACT" });
    expect(outcome.message).toContain("the standalone runtime was asked for");
    expect(outcome.torchLibraries).toEqual([]);
  });
});

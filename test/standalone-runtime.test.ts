import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type HubConfig, loadProjectConfig, pinPrefetched, prefetch } from "@aotihub/loader";
import { probeDevice } from "@aotihub/native";
import type { DeviceProfile } from "@aotihub/registry";
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

/** Publishes tiny-mlp's repo folder as acme/<name>, with the manifest rewritten (in `dir`). */
function publishRepo(name: string, rewrite: (manifest: ManifestJson, dir: string) => ManifestJson): void {
  const dir = join(hubRoot, "models", "acme", name);
  mkdirSync(join(hubRoot, "models", "acme"), { recursive: true });
  cpSync(models.models["tiny-mlp"], dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "aotihub.json"), "utf8")) as ManifestJson;
  writeFileSync(join(dir, "aotihub.json"), JSON.stringify(rewrite(manifest, dir), null, 2));
}

interface ManifestJson {
  artifacts: { path: string; runtime?: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

/**
 * Beside each libtorch build, a copy of it under `<target>-standalone/` marked standalone: a
 * manifest that lies (its `.so` links libtorch). The registry and the loader take it at its word,
 * which is what choosing, fetching and pinning by runtime need; the runtime must refuse to open it.
 */
function withMislabeledCopies(manifest: ManifestJson, dir: string): ManifestJson {
  const copies = manifest.artifacts.map((artifact) => {
    const path = artifact.path.replace(/^aoti\/([^/]+)\//, "aoti/$1-standalone/");
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    cpSync(join(dir, artifact.path), join(dir, path));
    return { ...artifact, path, runtime: "standalone" };
  });
  return { ...manifest, artifacts: [...manifest.artifacts, ...copies] };
}

function freshHub(): HubConfig {
  const home = mkdtempSync(join(scratch, "home-"));
  return {
    endpoint: served.url,
    token: undefined,
    hfHome: home,
    cacheDir: join(home, "hub"),
    offline: false,
  };
}

beforeAll(async () => {
  models = await ensureTestModels();
  scratch = mkdtempSync(join(tmpdir(), "aotihub-standalone-e2e-"));
  hubRoot = join(scratch, "hub");
  publishRepo("mlp-libtorch", (m) => m);
  publishRepo("mlp-mislabeled", withMislabeledCopies);
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

describe("choosing, fetching and pinning by runtime (a manifest with builds of both runtimes)", () => {
  let here: DeviceProfile;
  beforeAll(async () => {
    here = { ...(await probeDevice()), cuda: null };
  });

  async function prefetched(device: DeviceProfile, runtime?: "standalone" | "libtorch") {
    const hub = freshHub();
    const { files, models: fetched } = await prefetch({
      refs: ["acme/mlp-mislabeled"],
      devices: [device],
      project: loadProjectConfig({ cwd: scratch }),
      lockfile: false,
      config: hub,
      ...(runtime !== undefined && { runtime }),
    });
    const packages = files.map((f) => f.path).filter((p) => p.endsWith(".pt2"));
    return { packages: packages.sort(), pin: await pinPrefetched(fetched[0]!, hub) };
  }

  it("a machine without torch fetches the standalone builds only; with torch, the libtorch ones", async () => {
    const noTorch = await prefetched({ ...here, torch: null });
    expect(noTorch.packages).toHaveLength(2);
    for (const path of noTorch.packages) expect(path).toMatch(/^aoti\/[^/]+-standalone\/fp32\/b[24]\.pt2$/);

    const withTorch = await prefetched(here);
    expect(withTorch.packages).toHaveLength(2);
    for (const path of withTorch.packages) expect(path).not.toContain("-standalone");

    expect((await prefetched(here, "standalone")).packages).toEqual(noTorch.packages);
  });

  it("the lockfile pins both runtimes' builds, each under its own target", async () => {
    const { pin } = await prefetched({ ...here, torch: null });
    const targets = Object.keys(pin.profiles.fp32!.targets).sort();
    expect(targets).toHaveLength(2);
    expect(targets[1]).toBe(`${targets[0]}-standalone`);
    expect(pin.profiles.fp32!.targets[targets[1]!]!.artifacts.map((a) => a.path).sort()).toEqual(
      (await prefetched({ ...here, torch: null })).packages,
    );
  });

  it("with torch, loadCompiled keeps the libtorch builds and says why the standalone ones wait", () => {
    const outcome = loadInChild("mlp-mislabeled", torchEnv());
    expect(outcome.code, outcome.message).toBeUndefined();
    expect(outcome.runtime).toBe("libtorch");
    for (const path of outcome.chosen!) expect(path).not.toContain("-standalone");
    expect(outcome.explain).toContain(
      `this profile resolves to the libtorch runtime (torch ${models.torchVersion} was found, libtorch builds are preferred where torch is installed, and a process runs one runtime): ask for runtime "standalone" to use it`,
    );
  });
});

import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type HubConfig, loadProjectConfig, pinPrefetched, prefetch } from "@aotihub/loader";
import type { Tensor } from "@aotihub/native";
import { probeDevice } from "@aotihub/native";
import type { DeviceProfile } from "@aotihub/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relativeError } from "./support/bucket-io.js";
import { eagerReferences } from "./support/eager-reference.js";
import type { ChildLoad, ChildOutcome, ChildRequest } from "./support/load-compiled-child.js";
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
let eagerOutputs: Record<string, Tensor[]>;

/** Every output of the child within fp32 rounding of eager PyTorch on the same inputs. */
function expectMatchesEager(outcome: ChildOutcome, buckets: string[]): void {
  expect(Object.keys(outcome.outputs ?? {}).sort()).toEqual(buckets);
  for (const bucket of buckets) {
    const outputs = outcome.outputs![bucket]!;
    const eager = eagerOutputs[bucket]!;
    expect(outputs).toHaveLength(eager.length);
    outputs.forEach((out, i) => {
      expect(out.shape).toEqual(eager[i]!.shape);
      const actual: Tensor = { dtype: "float32", shape: out.shape, data: Float32Array.from(out.data) };
      expect(relativeError(actual, eager[i]!)).toBeLessThan(1e-5);
    });
  }
}

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

function loadInChild(repo: string, env: NodeJS.ProcessEnv, runtime?: ChildLoad["runtime"]): ChildOutcome {
  return loadsInChild([{ ref: `acme/${repo}`, ...(runtime !== undefined && { runtime }) }], env)[0]!;
}

/** Each load in turn, in one fresh process (models stay loaded): one outcome per load. */
function loadsInChild(loads: ChildLoad[], env: NodeJS.ProcessEnv): ChildOutcome[] {
  const request: ChildRequest = {
    loads,
    endpoint: served.url,
    hfHome: mkdtempSync(join(scratch, "home-")),
    ioRepo: models.models["tiny-mlp"],
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
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as ChildOutcome[];
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

/**
 * tiny-mlp's libtorch builds (b2, b4) and the export helper's standalone build of the same module
 * (standalone-mlp: b2) in one repo and one profile. The standalone package binds constants of its
 * own (its CPU GEMMs prepack weights), so its weight set is its `weightsOverride`.
 */
function withStandaloneBuild(manifest: ManifestJson, dir: string): ManifestJson {
  const standaloneRepo = models.models["standalone-mlp"];
  const standalone = JSON.parse(readFileSync(join(standaloneRepo, "aotihub.json"), "utf8")) as ManifestJson;
  const weights = "weights/fp32-standalone/model.safetensors";
  mkdirSync(dirname(join(dir, weights)), { recursive: true });
  cpSync(join(standaloneRepo, "weights", "fp32", "model.safetensors"), join(dir, weights));
  const added = standalone.artifacts.map((artifact) => {
    expect(artifact.runtime).toBe("standalone");
    mkdirSync(dirname(join(dir, artifact.path)), { recursive: true });
    cpSync(join(standaloneRepo, artifact.path), join(dir, artifact.path));
    return { ...artifact, weightsOverride: "fp32-standalone" };
  });
  return {
    ...manifest,
    weights: { ...(manifest.weights as object), "fp32-standalone": { files: [weights] } },
    artifacts: [...manifest.artifacts, ...added],
  };
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
  publishRepo("mlp-both", withStandaloneBuild);
  publishRepo("mlp-standalone-only", (m, dir) => {
    const both = withStandaloneBuild(m, dir);
    return { ...both, artifacts: both.artifacts.filter((a) => a.runtime === "standalone") };
  });
  const eager = await eagerReferences(models, ["tiny-mlp"]);
  eagerOutputs = { b2: await eager("tiny-mlp", "b2"), b4: await eager("tiny-mlp", "b4") };
  served = await serveChild(hubRoot);
});

afterAll(async () => {
  await served?.close();
});

const standaloneB2 = /^aoti\/[^/]+-standalone\/fp32\/b2\.pt2$/;

// One child process per environment and sequence: refusals happen before anything is loaded, and
// every load of a sequence runs on the runtime of the ones before (a process holds one).

describe("no torch on the machine (runtime auto)", () => {
  let libtorchOnly: ChildOutcome;
  let libtorchAsked: ChildOutcome;
  let both: ChildOutcome;
  beforeAll(() => {
    [libtorchOnly, libtorchAsked, both] = loadsInChild(
      [
        { ref: "acme/mlp-libtorch" },
        { ref: "acme/mlp-libtorch", runtime: "libtorch" },
        { ref: "acme/mlp-both" },
      ],
      noTorchEnv(),
    ) as [ChildOutcome, ChildOutcome, ChildOutcome];
  });

  it("AOTIHUB_TORCH_REQUIRED for a repo of libtorch builds only; nothing of libtorch is loaded", () => {
    expect(libtorchOnly).toMatchObject({
      code: "AOTIHUB_TORCH_REQUIRED",
      message: expect.stringContaining("tiny-mlp needs torch on this device"),
    });
    expect(libtorchOnly.message).toContain("no torch was found on this machine (install torch >=");
    expect(libtorchOnly.message).toContain("or a standalone build of the model");
    expect(libtorchOnly.torchLibraries).toEqual([]);
  });

  it("AOTIHUB_TORCH_REQUIRED when the libtorch runtime is asked for", () => {
    expect(libtorchAsked).toMatchObject({ code: "AOTIHUB_TORCH_REQUIRED" });
    expect(libtorchAsked.torchLibraries).toEqual([]);
  });

  it("a repo with both builds: the standalone one, run like eager, and no libtorch mapped", () => {
    expect(both.code, both.message).toBeUndefined();
    expect(both.runtime).toBe("standalone");
    expect(both.chosen).toHaveLength(1);
    expect(both.chosen![0]).toMatch(standaloneB2);
    expectMatchesEager(both, ["b2"]);
    expect(both.torchLibraries).toEqual([]);
    expect(both.explain).toContain('profile "fp32" (cpu, standalone runtime)');
  });
});

describe("torch installed, runtime auto", () => {
  let control: ChildOutcome;
  let both: ChildOutcome;
  let mislabeled: ChildOutcome;
  beforeAll(() => {
    // the first load decides by torch's presence, the later ones keep its runtime
    [mislabeled, control, both] = loadsInChild(
      [{ ref: "acme/mlp-mislabeled" }, { ref: "acme/mlp-libtorch" }, { ref: "acme/mlp-both" }],
      torchEnv(),
    ) as [ChildOutcome, ChildOutcome, ChildOutcome];
  });

  it("a repo of libtorch builds loads on libtorch (the control: libtorch is mapped)", () => {
    expect(control.code, control.message).toBeUndefined();
    expect(control.runtime).toBe("libtorch");
    expect(control.torchLibraries!.some((file) => file.includes("libtorch_cpu.so"))).toBe(true);
  });

  it("a repo with both builds: the libtorch ones, like eager", () => {
    expect(both.code, both.message).toBeUndefined();
    expect(both.runtime).toBe("libtorch");
    for (const path of both.chosen!) expect(path).not.toContain("-standalone");
    expectMatchesEager(both, ["b2", "b4"]);
  });

  it("the standalone builds are listed with why they wait", () => {
    expect(mislabeled.code, mislabeled.message).toBeUndefined();
    for (const path of mislabeled.chosen!) expect(path).not.toContain("-standalone");
    expect(mislabeled.explain).toContain(
      `this profile resolves to the libtorch runtime (torch ${models.torchVersion} was found, libtorch builds are preferred where torch is installed, and a process runs one runtime): ask for runtime "standalone" to use it`,
    );
  });
});

describe('torch installed, runtime "standalone"', () => {
  it("a repo with both builds: the standalone one, run like eager, and libtorch is never loaded", () => {
    const outcome = loadInChild("mlp-both", torchEnv(), "standalone");
    expect(outcome.code, outcome.message).toBeUndefined();
    expect(outcome.runtime).toBe("standalone");
    expect(outcome.chosen![0]).toMatch(standaloneB2);
    expectMatchesEager(outcome, ["b2"]);
    expect(outcome.torchLibraries).toEqual([]);
  });

  it("AOTIHUB_NO_COMPATIBLE_ARTIFACT for a repo without standalone builds", () => {
    const outcome = loadInChild("mlp-libtorch", torchEnv(), "standalone");
    expect(outcome).toMatchObject({ code: "AOTIHUB_NO_COMPATIBLE_ARTIFACT" });
    expect(outcome.message).toContain("the standalone runtime was asked for");
    expect(outcome.torchLibraries).toEqual([]);
  });

  it("AOTIHUB_STANDALONE_NEEDS_LIBTORCH from the runtime for a libtorch build marked standalone, before anything is loaded", () => {
    const outcome = loadInChild("mlp-mislabeled", torchEnv(), "standalone");
    expect(outcome).toMatchObject({ code: "AOTIHUB_STANDALONE_NEEDS_LIBTORCH" });
    expect(outcome.message).toMatch(/-standalone\/fp32\/b[24]\.pt2/);
    expect(outcome.torchLibraries).toEqual([]);
  });
});

describe("one runtime per process", () => {
  it("after a standalone model, auto keeps the standalone runtime, even where torch is installed", () => {
    const [first, second] = loadsInChild(
      [{ ref: "acme/mlp-both", runtime: "standalone" }, { ref: "acme/mlp-both" }],
      torchEnv(),
    );
    expect(first!.runtime, first!.message).toBe("standalone");
    expect(second!.code, second!.message).toBeUndefined();
    expect(second!.runtime).toBe("standalone");
    expect(second!.torchLibraries).toEqual([]);
    expect(second!.explain).toContain(
      "this profile resolves to the standalone runtime (the runtime this process already runs models on, and a process runs one runtime)",
    );
  });

  it("a model with libtorch builds only is then refused by the runtime: AOTIHUB_RUNTIME_CONFLICT", () => {
    const [, auto, asked] = loadsInChild(
      [
        { ref: "acme/mlp-both", runtime: "standalone" },
        { ref: "acme/mlp-libtorch" },
        { ref: "acme/mlp-libtorch", runtime: "libtorch" },
      ],
      torchEnv(),
    );
    expect(auto).toMatchObject({ code: "AOTIHUB_RUNTIME_CONFLICT" });
    expect(auto!.torchLibraries).toEqual([]);
    expect(asked).toMatchObject({ code: "AOTIHUB_RUNTIME_CONFLICT" });
    expect(asked!.torchLibraries).toEqual([]);
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
});

// Issue 14, cold start: loadCompiled starts libtorch's dlopens (RTLD_LOCAL, on a native thread) as
// soon as the device is chosen and torch is found, before the plan and the file checks; loadPackages
// joins them and makes libtorch global. These check the joins, not the time saved (bench/).
describe("the runtime started early (torch installed, runtime auto)", () => {
  it("the first load joins the early dlopens; a second load reuses the loaded runtime, one libtorch mapped", () => {
    const [first, second] = loadsInChild(
      [{ ref: "acme/mlp-libtorch" }, { ref: "acme/mlp-both" }],
      torchEnv(),
    );
    expect(first!.code, first!.message).toBeUndefined();
    expect(first!.runtime).toBe("libtorch");
    expectMatchesEager(first!, ["b2", "b4"]);
    // the preload's own stages: present only where the early start ran and was joined
    expect(first!.stages).toHaveProperty(["libtorch preload: join wait, ms"]);
    expect(first!.stages).toHaveProperty(["libtorch made global"]);
    expect(first!.stages!["libtorch dlopen start"]).toBeLessThanOrEqual(
      first!.stages!["libtorch dlopen end"]!,
    );
    expect(second!.code, second!.message).toBeUndefined();
    expect(second!.runtime).toBe("libtorch");
    expectMatchesEager(second!, ["b2", "b4"]);
    expect(second!.stages).not.toHaveProperty(["libtorch preload: join wait, ms"]);
    expect(second!.torchLibraries!.filter((file) => file.endsWith("/libtorch_cpu.so"))).toHaveLength(1);
  });

  it('device "auto": the early start follows the device nodes\' guess, then is joined the same way', () => {
    // (this machine has no GPU device nodes: the guess, and the probe's answer, is the CPU; one
    // preload, started from the guess, is the one the load joins)
    const outcome = loadsInChild([{ ref: "acme/mlp-libtorch", device: "auto" }], torchEnv())[0]!;
    expect(outcome.code, outcome.message).toBeUndefined();
    expectMatchesEager(outcome, ["b2", "b4"]);
    expect(outcome.stages).toHaveProperty(["libtorch early start"]);
    expect(outcome.stages).toHaveProperty(["libtorch preload: join wait, ms"]);
    expect(outcome.torchLibraries!.filter((file) => file.endsWith("/libtorch_cpu.so"))).toHaveLength(1);
  });

  it("where no torch is found, the early start asks python no second time (auto, and cpu named)", () => {
    const venv = mkdtempSync(join(scratch, "venv-"));
    execFileSync("python3", ["-m", "venv", "--without-pip", venv]); // an interpreter without torch
    const calls = join(venv, "calls");
    const counting = join(venv, "counting-python");
    writeFileSync(
      counting,
      `#!/bin/sh\necho started >> ${calls}\nexec ${join(venv, "bin", "python")} "$@"\n`,
      {
        mode: 0o755,
      },
    );
    const outcome = loadsInChild([{ ref: "acme/mlp-both", device: "auto" }], {
      ...noTorchEnv(),
      AOTIHUB_PYTHON: counting,
    })[0]!;
    expect(outcome.code, outcome.message).toBeUndefined();
    expect(outcome.runtime).toBe("standalone");
    expect(readFileSync(calls, "utf8").trim().split("\n")).toHaveLength(1);
    // "cpu" named outright: the early start's findTorch shares the probe's spawn still running
    const named = loadsInChild([{ ref: "acme/mlp-both", device: "cpu" }], {
      ...noTorchEnv(),
      AOTIHUB_PYTHON: counting,
    })[0]!;
    expect(named.runtime, named.message).toBe("standalone");
    expect(readFileSync(calls, "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("a wrong guess (only standalone builds fit) still runs on the addon's shim, like eager", () => {
    // torch is found, so libtorch's dlopens start early; the registry then picks the standalone
    // build, which must bind to the addon's shim (libtorch was opened RTLD_LOCAL)
    const outcome = loadInChild("mlp-standalone-only", torchEnv());
    expect(outcome.code, outcome.message).toBeUndefined();
    expect(outcome.runtime).toBe("standalone");
    expectMatchesEager(outcome, ["b2"]);
  });

  it("a libtorch that cannot be dlopened: the early start fails quietly, the load fails typed", () => {
    const real = JSON.parse(
      spawnSync(process.env.AOTIHUB_PYTHON ?? "python3", [
        "-c",
        "import importlib.util as u, json; print(json.dumps(u.find_spec('torch').submodule_search_locations[0]))",
      ]).stdout.toString(),
    ) as string;
    const broken = mkdtempSync(join(scratch, "broken-torch-"));
    mkdirSync(join(broken, "lib"));
    cpSync(join(real, "version.py"), join(broken, "version.py"));
    writeFileSync(join(broken, "lib", "libtorch_cpu.so"), "not an ELF file");
    const outcome = loadInChild("mlp-libtorch", { ...torchEnv(), AOTIHUB_TORCH_DIR: broken });
    expect(outcome).toMatchObject({ code: "AOTIHUB_TORCH_LOAD_FAILED" });
    expect(outcome.message).toContain(join(broken, "lib", "libtorch_cpu.so"));
    expect(outcome.torchLibraries).toEqual([]);
  });
});

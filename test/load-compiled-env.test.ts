import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HubConfig, Lockfile, ProgressEvent } from "@aotihub/loader";
import { probeDevice, type Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertCacheSound } from "../packages/loader/test/support/cache-assertions.js";
import { type ServedHub, serveChild } from "./support/serve-child.js";
import { ensureTestModels, type TestModels } from "./support/test-models.js";

// What docs/loadcompiled.md promises beyond the happy path, on real compiled models served by
// `aotihub serve`: AOTIHUB_CONFIG, AOTIHUB_MAX_LOADED_MODELS, every lockfile-drift branch, and
// AbortSignal on loadCompiled and prefetch.

// loaded-models.ts reads the limit when the module loads: set it before importing the loader
process.env.AOTIHUB_MAX_LOADED_MODELS = "1";
const loader = await import("@aotihub/loader");
const { loadCompiled, loadProjectConfig, pinPrefetched, prefetch, writeLockfile } = loader;
const { prefetchForThisCpu } = await import("./support/prefetch-for-this-cpu.js"); // imports the loader too

let models: TestModels;
let scratch: string;
let served: ServedHub;
let throttled: ServedHub;
let projectDir: string;
let lock: Lockfile;
const cpuDevice = "cpu" as const;

/** A fresh HF cache per test keeps the tests independent of each other's downloads. */
function freshHub(url = served.url): HubConfig {
  const home = mkdtempSync(join(scratch, "home-"));
  return { endpoint: url, token: undefined, hfHome: home, cacheDir: join(home, "hub"), offline: false };
}

function input(batch: number): Tensor {
  return { dtype: "float32", shape: [batch, 8], data: new Float32Array(batch * 8).fill(0.5) };
}

beforeAll(async () => {
  models = await ensureTestModels();
  scratch = mkdtempSync(join(tmpdir(), "aotihub-env-"));
  process.env.AOTIHUB_CACHE = join(scratch, "aotihub-cache");
  const hubRoot = join(scratch, "hub");
  for (const name of ["tiny-mlp", "dynamic-mlp"] as const) {
    mkdirSync(join(hubRoot, "models", "acme"), { recursive: true });
    cpSync(models.models[name], join(hubRoot, "models", "acme", name), { recursive: true });
  }
  served = await serveChild(hubRoot);
  // every LFS file paced to 64 KiB/s: a download lasts long enough to be cut mid-transfer
  throttled = await serveChild(hubRoot, ["--throttle", String(64 * 1024)]);

  projectDir = join(scratch, "project");
  mkdirSync(projectDir);
  writeFileSync(
    join(projectDir, "aotihub.config.json"),
    JSON.stringify({ aliases: { "tiny-mlp": { repo: "acme/tiny-mlp" } }, index: null }),
  );
  const hub = freshHub();
  const { models: fetched } = await prefetchForThisCpu("tiny-mlp", projectDir, hub);
  lock = { format: "aotihub-lock/1", models: { "tiny-mlp": await pinPrefetched(fetched[0]!, hub) } };
});

afterAll(async () => {
  loader.loadedModels?.clear?.();
  await Promise.all([served?.close(), throttled?.close()]);
});

describe("AOTIHUB_CONFIG", () => {
  it("names the project config to use instead of searching from the working directory", async () => {
    const elsewhere = join(scratch, "configs", "team.config.json");
    mkdirSync(join(scratch, "configs"), { recursive: true });
    writeFileSync(
      elsewhere,
      JSON.stringify({
        aliases: { "team-mlp": { repo: "acme/dynamic-mlp" } },
        trustedRepos: ["acme/dynamic-mlp"],
        index: null,
      }),
    );
    const emptyDir = mkdtempSync(join(scratch, "cwd-"));
    process.env.AOTIHUB_CONFIG = elsewhere;
    try {
      expect(loadProjectConfig({ cwd: emptyDir }).file).toBe(elsewhere);
      const model = await loadCompiled("team-mlp", {
        cwd: emptyDir,
        hub: freshHub(),
        device: cpuDevice,
        reuse: false,
      });
      expect(model.explain()).toContain("team-mlp -> acme/dynamic-mlp@");
      expect(model.explain()).toContain("trustedRepos");
      const [out] = (await model.run({ x: input(5) })) as Tensor[];
      expect(out!.shape).toEqual([5, 4]);
      model.dispose();
    } finally {
      delete process.env.AOTIHUB_CONFIG;
    }
  });

  it("AOTIHUB_CONFIG_NOT_FOUND: the named file does not exist (from the variable or configPath)", async () => {
    const missing = join(scratch, "configs", "missing.json");
    process.env.AOTIHUB_CONFIG = missing;
    try {
      await expect(loadCompiled("team-mlp", { cwd: scratch, hub: freshHub() })).rejects.toMatchObject({
        code: "AOTIHUB_CONFIG_NOT_FOUND",
        message: expect.stringContaining(`The config file ${missing} does not exist.`),
      });
    } finally {
      delete process.env.AOTIHUB_CONFIG;
    }
    expect(() => loadProjectConfig({ configPath: missing })).toThrow(
      expect.objectContaining({
        code: "AOTIHUB_CONFIG_NOT_FOUND",
        message: expect.stringContaining("unset AOTIHUB_CONFIG"),
      }),
    );
  });
});

describe("AOTIHUB_MAX_LOADED_MODELS", () => {
  it("=1: loading a second model disposes the first; loading it again opens a new one", async () => {
    const opts = { hub: freshHub(), device: cpuDevice, trustRemoteCode: true, lockfile: false as const };
    const tiny = await loadCompiled("acme/tiny-mlp", opts);
    expect(await loadCompiled("acme/tiny-mlp", opts)).toBe(tiny); // held: the same model
    await tiny.run({ x: input(2) });
    const dynamic = await loadCompiled("acme/dynamic-mlp", opts);
    await expect(tiny.run({ x: input(2) })).rejects.toMatchObject({
      code: "AOTIHUB_DISPOSED",
      message: expect.stringContaining("This model was disposed."),
    });
    expect((await dynamic.run({ x: input(3) }))[0]).toMatchObject({ shape: [3, 4] });
    const again = await loadCompiled("acme/tiny-mlp", opts);
    expect(again).not.toBe(tiny);
    expect((await again.run({ x: input(2) }))[0]).toMatchObject({ shape: [2, 4] });
    await expect(dynamic.run({ x: input(3) })).rejects.toMatchObject({ code: "AOTIHUB_DISPOSED" });
    again.dispose();
  });
});

describe("AOTIHUB_LOCK_DRIFT: every way the Hub or cache can differ from the lockfile", () => {
  /** Loads tiny-mlp with a copy of the lockfile changed by `edit`. */
  async function loadWithLock(edit: (locked: Lockfile["models"][string]) => void, extra: object = {}) {
    const changed = structuredClone(lock);
    edit(changed.models["tiny-mlp"]!);
    const path = join(mkdtempSync(join(scratch, "lock-")), "aotihub.lock");
    writeLockfile(path, changed);
    return loadCompiled("tiny-mlp", {
      cwd: projectDir,
      hub: freshHub(),
      device: cpuDevice,
      reuse: false,
      lockfile: path,
      ...extra,
    });
  }
  const b2Path = () => lock.models["tiny-mlp"]!.profiles.fp32!.targets;
  const artifactsOf = (locked: Lockfile["models"][string]) =>
    Object.values(locked.profiles.fp32!.targets).flatMap((t) => t.artifacts);

  it("the unchanged lockfile loads (the control)", async () => {
    const model = await loadWithLock(() => {});
    expect(model.explain()).toContain("pinned in");
    model.dispose();
  });

  it("the manifest's sha256 at the pinned commit", async () => {
    await expect(
      loadWithLock((m) => {
        m.manifest.sha256 = "0".repeat(64);
      }),
    ).rejects.toMatchObject({
      code: "AOTIHUB_LOCK_DRIFT",
      message: expect.stringMatching(
        /tiny-mlp: aotihub\.json at [0-9a-f]{40} differs[\s\S]*expected: sha256 0{64}/,
      ),
    });
  });

  it("a profile chosen for this device that the lockfile does not pin", async () => {
    const refused = loadWithLock(
      (m) => {
        m.profiles.other = m.profiles.fp32!;
        delete m.profiles.fp32;
      },
      { profile: "fp32" },
    );
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_LOCK_DRIFT" });
    await expect(refused).rejects.toThrow(
      /profile "fp32" differs[\s\S]*expected: one of other[\s\S]*received: fp32/,
    );
  });

  it("a chosen artifact the lockfile does not pin", async () => {
    expect(Object.keys(b2Path()).length).toBeGreaterThan(0);
    let dropped = "";
    const refused = loadWithLock((m) => {
      for (const target of Object.values(m.profiles.fp32!.targets)) {
        dropped = target.artifacts.find((a) => a.bucket === "b2")!.path;
        target.artifacts = target.artifacts.filter((a) => a.bucket !== "b2");
      }
    });
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_LOCK_DRIFT" });
    await expect(refused).rejects.toThrow(`tiny-mlp: ${dropped} differs`);
    await expect(refused).rejects.toThrow("received: an artifact the lockfile does not pin");
  });

  it("a chosen artifact pinned with another sha256", async () => {
    const refused = loadWithLock((m) => {
      for (const a of artifactsOf(m)) a.sha256 = "1".repeat(64);
    });
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_LOCK_DRIFT" });
    await expect(refused).rejects.toThrow(/expected: sha256 1{64}\n {2}received: sha256 [0-9a-f]{64}/);
  });

  it("a weight file the lockfile does not pin", async () => {
    const refused = loadWithLock((m) => {
      m.profiles.fp32!.weights = [];
    });
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_LOCK_DRIFT" });
    await expect(refused).rejects.toThrow(
      /weights\/fp32\/model\.safetensors differs[\s\S]*a weight file it does not pin/,
    );
  });
});

describe("AbortSignal", () => {
  /** A signal that fires once the first bytes of an LFS file have arrived. */
  function abortOnFirstBytes() {
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const onProgress = (e: ProgressEvent) => {
      events.push(e);
      if (e.bytes > 0 && !e.done && e.file.endsWith(".pt2")) controller.abort();
    };
    return { signal: controller.signal, onProgress, events };
  }

  it("stops loadCompiled mid-download with an AbortError; nothing corrupt is cached, a later load works", async () => {
    const hub = freshHub(throttled.url);
    const { signal, onProgress, events } = abortOnFirstBytes();
    const opts = { hub, device: cpuDevice, trustRemoteCode: true, lockfile: false as const, reuse: false };
    await expect(loadCompiled("acme/tiny-mlp", { ...opts, signal, onProgress })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(events.some((e) => e.file.endsWith(".pt2") && e.bytes > 0)).toBe(true);
    const repoDir = join(hub.cacheDir, "models--acme--tiny-mlp");
    const blobs = assertCacheSound(repoDir);
    expect(blobs.length).toBeLessThan(
      readdirSync(join(models.models["tiny-mlp"], "aoti"), { recursive: true }).length + 2,
    );

    const model = await loadCompiled("acme/tiny-mlp", { ...opts, hub: { ...hub, endpoint: served.url } });
    expect((await model.run({ x: input(4) }))[0]).toMatchObject({ shape: [4, 4] });
    model.dispose();
    assertCacheSound(repoDir);
  });

  it("stops prefetch mid-download with an AbortError, and an aborted signal before it starts fetches nothing", async () => {
    const hub = freshHub(throttled.url);
    const { signal, onProgress } = abortOnFirstBytes();
    const params = {
      refs: ["acme/tiny-mlp"],
      devices: [{ ...(await probeDevice()), cuda: null }],
      project: loadProjectConfig({ cwd: projectDir }),
      lockfile: false as const,
      config: hub,
    };
    await expect(prefetch({ ...params, signal, onProgress })).rejects.toMatchObject({ name: "AbortError" });
    assertCacheSound(join(hub.cacheDir, "models--acme--tiny-mlp"));

    const early = freshHub(throttled.url);
    await expect(prefetch({ ...params, config: early, signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(assertCacheSound(join(early.cacheDir, "models--acme--tiny-mlp"))).toEqual([]);
  });
});

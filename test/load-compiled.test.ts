import { cp, mkdir, mkdtemp, readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestHubServer, type TestHubServer } from "@aotihub/hub-server/testing";
import {
  type HubConfig,
  loadCompiled,
  pinPrefetched,
  publishFolder,
  readLockfile,
  writeLockfile,
} from "@aotihub/loader";
import { probeDevice, readPt2, type Tensor } from "@aotihub/native";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { readBucketIo, sameBytes } from "./support/bucket-io.js";
import { inductorCpuIsa } from "./support/cpu-flags.js";
import { eagerReferences } from "./support/eager-reference.js";
import { prefetchForThisCpu } from "./support/prefetch-for-this-cpu.js";
import { ensureTestModels, type TestModels } from "./support/test-models.js";

// loadCompiled end to end on CPU: a model exported by python/aotihub_export, served by the local
// Hub, named through aotihub.config.json, pinned by a lockfile, loaded and run by the native runtime.
// Each test builds what it needs (its own Hub server, HF cache and lockfile), so any one of them
// can run alone or in any order.

const WRITE_TOKEN = "hf_publisher_token";
let models: TestModels;
let hubRoot: string;
let eager: (name: "tiny-mlp", bucket: string) => Promise<Tensor[]>;
const cpuDevice = "cpu" as const;
const open: TestHubServer[] = [];

// The artifact folder the export helper builds on this CPU, derived from /proc/cpuinfo by the
// test (what torch's inductor picks there), not read from the manifest under test.
const isaFolder = `cpu-${inductorCpuIsa().join("-") || "generic"}-torch`;

beforeAll(async () => {
  models = await ensureTestModels();
  eager = await eagerReferences(models, ["tiny-mlp"]);
  hubRoot = await mkdtemp(join(tmpdir(), "aotihub-e2e-hub-"));
  await mkdir(join(hubRoot, "models", "acme"), { recursive: true });
  await cp(models.models["tiny-mlp"], join(hubRoot, "models", "acme", "tiny-mlp"), { recursive: true });
  process.env.AOTIHUB_CACHE = await mkdtemp(join(tmpdir(), "aotihub-e2e-so-"));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

interface Project {
  server: TestHubServer;
  hub: HubConfig;
  projectDir: string;
}

/** A fresh local Hub over `hubRoot`, an empty HF cache, and a project naming tiny-mlp. */
async function project(): Promise<Project> {
  const server = await startTestHubServer({
    root: hubRoot,
    access: { tokens: { [WRITE_TOKEN]: { user: "acme", write: true } } },
  });
  open.push(server);
  const home = await mkdtemp(join(tmpdir(), "aotihub-e2e-home-"));
  const hub = {
    endpoint: server.url,
    token: undefined,
    hfHome: home,
    cacheDir: join(home, "hub"),
    offline: false,
  };
  const projectDir = await mkdtemp(join(tmpdir(), "aotihub-e2e-project-"));
  await writeFile(
    join(projectDir, "aotihub.config.json"),
    JSON.stringify({ aliases: { "tiny-mlp": { repo: "acme/tiny-mlp" } }, index: null }),
  );
  return { server, hub, projectDir };
}

/** `project()` with tiny-mlp prefetched and pinned in `<projectDir>/aotihub.lock`. */
async function pinnedProject(): Promise<Project & { lockPath: string }> {
  const p = await project();
  const lockPath = join(p.projectDir, "aotihub.lock");
  const { models: fetched } = await prefetchForThisCpu("tiny-mlp", p.projectDir, p.hub);
  writeLockfile(lockPath, {
    format: "aotihub-lock/1",
    models: { "tiny-mlp": await pinPrefetched(fetched[0]!, p.hub) },
  });
  return { ...p, lockPath };
}

async function expectEager(model: { run: (i: Record<string, Tensor>) => Promise<Tensor[]> }, bucket: string) {
  const io = await readBucketIo(models.models["tiny-mlp"], bucket);
  const reference = await eager("tiny-mlp", bucket);
  const outputs = await model.run(io.inputs);
  expect(outputs).toHaveLength(reference.length);
  for (const [i, out] of outputs.entries()) expect(sameBytes(out, reference[i]!)).toBe(true);
}

describe("loadCompiled", () => {
  it("suggests the close name for an unknown one", async () => {
    const { projectDir, hub } = await project();
    await expect(loadCompiled("tiny-mpl", { cwd: projectDir, hub, device: cpuDevice })).rejects.toMatchObject(
      {
        code: "AOTIHUB_UNKNOWN_MODEL",
        message: expect.stringContaining('did you mean "tiny-mlp"?'),
      },
    );
  });

  it("refuses a repo nothing vouches for, before downloading any of its files (manifest included)", async () => {
    const { projectDir, hub, server } = await project();
    await expect(loadCompiled("tiny-mlp", { cwd: projectDir, hub, device: cpuDevice })).rejects.toMatchObject(
      {
        code: "AOTIHUB_UNTRUSTED_REPO",
      },
    );
    const fetched = server.requests.filter((r) => r.url.includes("acme/tiny-mlp"));
    expect(fetched).toEqual([]);
  });

  it("loads with trustRemoteCode, runs every bucket bit-identical to eager, and explains its choice", async () => {
    const { projectDir, hub } = await project();
    const [model, again] = await Promise.all([
      loadCompiled("tiny-mlp", { cwd: projectDir, hub, device: cpuDevice, trustRemoteCode: true }),
      loadCompiled("tiny-mlp", { cwd: projectDir, hub, device: cpuDevice, trustRemoteCode: true }),
    ]);
    expect(again).toBe(model); // two concurrent loads of one model load it once
    expect(model.device).toBe("cpu");
    expect(model.variants.map((v) => [v.bucket.name, v.opened])).toEqual([
      ["b2", true],
      ["b4", true],
    ]);
    await expectEager(model, "b2");
    await expectEager(model, "b4");
    const why = model.explain();
    expect(why).toContain("tiny-mlp -> acme/tiny-mlp@");
    expect(why).toContain("trustRemoteCode");
    expect(why).toContain(`aoti/${isaFolder}`);
    expect(why).toMatch(new RegExp(`b2[\\s\\S]*aoti/${isaFolder}[\\d.]+/fp32/b2\\.pt2`));
    model.dispose();
  });

  it("writes a lockfile, then loads from it with the network cut (server stopped)", async () => {
    const { projectDir, hub, server, lockPath } = await pinnedProject();
    const lock = readLockfile(lockPath)!;
    expect(lock.models["tiny-mlp"]!.repo).toBe("acme/tiny-mlp");
    expect(Object.keys(lock.models["tiny-mlp"]!.profiles)).toEqual(["fp32"]);

    await server.close();
    const model = await loadCompiled("tiny-mlp", { cwd: projectDir, hub, device: cpuDevice, reuse: false });
    expect(model.explain()).toContain("pinned in");
    await expectEager(model, "b4");
    model.dispose();

    const offline = await loadCompiled("tiny-mlp", {
      cwd: projectDir,
      hub: { ...hub, offline: true },
      device: cpuDevice,
      reuse: false,
    });
    await expectEager(offline, "b2");
    expect(offline.stats.stages?.["warm-up done"]).toBeUndefined();
    offline.dispose();

    // `warmup` reaches the runtime: each variant ran once during the load, and the first call
    // still gives eager's output
    const warm = await loadCompiled("tiny-mlp", {
      cwd: projectDir,
      hub: { ...hub, offline: true },
      device: cpuDevice,
      reuse: false,
      warmup: true,
    });
    expect(warm.stats.stages?.["warm-up done"]).toBeGreaterThan(0);
    await expectEager(warm, "b2");
    warm.dispose();
  });

  it("refuses to drift from the lockfile", async () => {
    const { projectDir, hub, lockPath } = await pinnedProject();
    const drifted = structuredClone(readLockfile(lockPath)!);
    drifted.models["tiny-mlp"]!.manifest.sha256 = "0".repeat(64);
    const other = join(projectDir, "drifted.lock");
    writeLockfile(other, drifted);
    await expect(
      loadCompiled("tiny-mlp", { cwd: projectDir, hub, device: cpuDevice, reuse: false, lockfile: other }),
    ).rejects.toMatchObject({ code: "AOTIHUB_LOCK_DRIFT" });
  });

  it("refuses a package whose .so was tampered with in the cache", async () => {
    const { projectDir, hub, lockPath } = await pinnedProject();
    const snapshot = join(hub.cacheDir, "models--acme--tiny-mlp", "snapshots");
    const commit = readLockfile(lockPath)!.models["tiny-mlp"]!.commit;
    const [folder] = (await readdir(join(snapshot, commit, "aoti"))).filter((f) => f.startsWith(isaFolder));
    expect(folder, `an aoti/${isaFolder}* folder in the snapshot`).toBeDefined();
    const blob = await realpath(join(snapshot, commit, "aoti", folder!, "fp32", "b2.pt2"));
    const pkg = await readPt2(blob);
    const so = pkg.models[Object.keys(pkg.models)[0]!]!.wrapperSo;
    const bytes = await readFile(blob);
    bytes[so.dataOffset + (so.size >> 1)]! ^= 0x01;
    await writeFile(blob, bytes);
    await expect(
      loadCompiled("tiny-mlp", {
        cwd: projectDir,
        hub: { ...hub, offline: true },
        device: cpuDevice,
        reuse: false,
      }),
    ).rejects.toMatchObject({ code: "AOTIHUB_SHA256_MISMATCH" });
  });
});

describe("artifacts that call custom kernels", () => {
  it("resolve and cache the kernel build, and refuse a build that holds no library to load", async () => {
    // The tiny MLP's repo, with its artifacts saying they call a kernels-community kernel.
    const repo = join(hubRoot, "models", "acme", "needs-kernel");
    await cp(models.models["tiny-mlp"], repo, { recursive: true });
    const manifest = JSON.parse(await readFile(join(repo, "aotihub.json"), "utf8"));
    for (const a of manifest.artifacts) a.kernels = [{ repo: "kernels-community/activation", version: 1 }];
    await writeFile(join(repo, "aotihub.json"), JSON.stringify(manifest));
    const device = await probeDevice();
    const torch = device.torch!.version.split(".");
    const variant = `torch${torch[0]}${torch[1]}-cxx11-cpu-x86_64-linux`;
    const kernel = join(hubRoot, "kernels", "kernels-community", "activation");
    await mkdir(join(kernel, "build", variant, "activation"), { recursive: true });
    await writeFile(join(kernel, "build", variant, "activation", "__init__.py"), "# kernel\n");
    await writeFile(join(kernel, ".aotihub-refs.json"), JSON.stringify({ branches: { main: ".", v1: "." } }));

    const { hub, projectDir } = await project();
    await expect(
      loadCompiled("acme/needs-kernel", {
        cwd: projectDir,
        hub,
        device: cpuDevice,
        trustRemoteCode: true,
        lockfile: false,
        reuse: false,
      }),
    ).rejects.toMatchObject({
      code: "AOTIHUB_KERNEL_NO_LIBRARY",
      message: expect.stringContaining("kernels-community/activation"),
    });
    const cached = join(hub.cacheDir, "kernels--kernels-community--activation", "snapshots");
    const [commit] = await readdir(cached);
    expect(await readFile(join(cached, commit!, "build", variant, "activation", "__init__.py"), "utf8")).toBe(
      "# kernel\n",
    );
  });
});

describe("publish + loadCompiled", () => {
  it("publishes an exported folder to the local Hub and loads it by repo id", async () => {
    const { hub, projectDir } = await project();
    const publisher = { ...hub, token: WRITE_TOKEN };
    const published = await publishFolder({
      dir: models.models["tiny-mlp"],
      repo: "acme/published-mlp",
      hub: publisher,
      create: true,
    });
    expect(published.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(published.files).toContain("aotihub.json");
    const model = await loadCompiled("acme/published-mlp", {
      cwd: projectDir,
      hub,
      device: cpuDevice,
      trustRemoteCode: true,
      lockfile: false,
      reuse: false,
    });
    expect(model.commit).toBe(published.commit);
    await expectEager(model, "b2");
    model.dispose();
  });
});

import { cp, mkdir, mkdtemp, readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestHubServer, type TestHubServer } from "@aotihub/hub-server/testing";
import {
  type HubConfig,
  loadCompiled,
  loadProjectConfig,
  pinPrefetched,
  prefetch,
  publishFolder,
  readLockfile,
  writeLockfile,
} from "@aotihub/loader";
import { probeDevice, readPt2, type Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBucketIo, sameBytes } from "./support/bucket-io.js";
import { ensureTestModels, type TestModels } from "./support/test-models.js";

// loadCompiled end to end on CPU: a model exported by python/aotihub_export, served by the local
// Hub, named through aotihub.config.json, pinned by a lockfile, loaded and run by the native runtime.

const WRITE_TOKEN = "hf_publisher_token";
let models: TestModels;
let server: TestHubServer;
let hubRoot: string;
let projectDir: string;
let hub: HubConfig;
const cpuDevice = "cpu" as const;

beforeAll(async () => {
  models = await ensureTestModels();
  hubRoot = await mkdtemp(join(tmpdir(), "aotihub-e2e-hub-"));
  await mkdir(join(hubRoot, "models", "acme"), { recursive: true });
  await cp(models.models["tiny-mlp"], join(hubRoot, "models", "acme", "tiny-mlp"), { recursive: true });
  server = await startTestHubServer({
    root: hubRoot,
    access: { tokens: { [WRITE_TOKEN]: { user: "acme", write: true } } },
  });
  const home = await mkdtemp(join(tmpdir(), "aotihub-e2e-home-"));
  hub = { endpoint: server.url, token: undefined, hfHome: home, cacheDir: join(home, "hub"), offline: false };
  projectDir = await mkdtemp(join(tmpdir(), "aotihub-e2e-project-"));
  await writeFile(
    join(projectDir, "aotihub.config.json"),
    JSON.stringify({ aliases: { "tiny-mlp": { repo: "acme/tiny-mlp" } }, index: null }),
  );
  process.env.AOTIHUB_CACHE = join(home, "aotihub");
});

afterAll(async () => {
  await server?.close().catch(() => {});
});

async function expectEager(model: { run: (i: Record<string, Tensor>) => Promise<Tensor[]> }, bucket: string) {
  const io = await readBucketIo(models.models["tiny-mlp"], bucket);
  const outputs = await model.run(io.inputs);
  expect(outputs).toHaveLength(io.outputs.length);
  for (const [i, out] of outputs.entries()) expect(sameBytes(out, io.outputs[i]!)).toBe(true);
}

describe("loadCompiled", () => {
  it("suggests the close name for an unknown one", async () => {
    await expect(loadCompiled("tiny-mpl", { cwd: projectDir, hub, device: cpuDevice })).rejects.toMatchObject(
      {
        code: "AOTIHUB_UNKNOWN_MODEL",
        message: expect.stringContaining('did you mean "tiny-mlp"?'),
      },
    );
  });

  it("refuses a repo nothing vouches for, before downloading any compiled code", async () => {
    await expect(loadCompiled("tiny-mlp", { cwd: projectDir, hub, device: cpuDevice })).rejects.toMatchObject(
      {
        code: "AOTIHUB_UNTRUSTED_REPO",
      },
    );
    const fetched = server.requests.filter((r) => r.url.includes(".pt2") || r.url.includes(".safetensors"));
    expect(fetched).toEqual([]);
  });

  it("loads with trustRemoteCode, runs every bucket bit-identical to eager, and explains its choice", async () => {
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
    expect(why).toMatch(/b2[\s\S]*aoti\/cpu-avx2-torch2\.13\/fp32\/b2\.pt2/);
    model.dispose();
  });

  it("writes a lockfile, then loads from it with the network cut (server stopped)", async () => {
    const lockPath = join(projectDir, "aotihub.lock");
    const { models: fetched } = await prefetch({
      refs: ["tiny-mlp"],
      devices: [{ ...(await probeDevice()), cuda: null }],
      project: loadProjectConfig({ cwd: projectDir }),
      lockfile: false,
      config: hub,
    });
    writeLockfile(lockPath, {
      format: "aotihub-lock/1",
      models: { "tiny-mlp": await pinPrefetched(fetched[0]!, hub) },
    });
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
    offline.dispose();
  });

  it("refuses to drift from the lockfile", async () => {
    const lockPath = join(projectDir, "aotihub.lock");
    const lock = readLockfile(lockPath)!;
    const drifted = structuredClone(lock);
    drifted.models["tiny-mlp"]!.manifest.sha256 = "0".repeat(64);
    const other = join(projectDir, "drifted.lock");
    writeLockfile(other, drifted);
    await expect(
      loadCompiled("tiny-mlp", { cwd: projectDir, hub, device: cpuDevice, reuse: false, lockfile: other }),
    ).rejects.toMatchObject({ code: "AOTIHUB_LOCK_DRIFT" });
  });

  it("refuses a package whose .so was tampered with in the cache", async () => {
    const snapshot = join(hub.cacheDir, "models--acme--tiny-mlp", "snapshots");
    const commit = readLockfile(join(projectDir, "aotihub.lock"))!.models["tiny-mlp"]!.commit;
    const blob = await realpath(join(snapshot, commit, "aoti/cpu-avx2-torch2.13/fp32/b2.pt2"));
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
  it("resolve and cache the kernel build, then fail with a clear error instead of crashing", async () => {
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

    const local = await startTestHubServer({ root: hubRoot });
    try {
      await expect(
        loadCompiled("acme/needs-kernel", {
          cwd: projectDir,
          hub: { ...hub, endpoint: local.url },
          device: cpuDevice,
          trustRemoteCode: true,
          lockfile: false,
          reuse: false,
        }),
      ).rejects.toMatchObject({
        code: "AOTIHUB_CUSTOM_OPS_UNSUPPORTED",
        message: expect.stringContaining("kernels-community/activation"),
      });
      const cached = join(hub.cacheDir, "kernels--kernels-community--activation", "snapshots");
      const [commit] = await readdir(cached);
      expect(
        await readFile(join(cached, commit!, "build", variant, "activation", "__init__.py"), "utf8"),
      ).toBe("# kernel\n");
    } finally {
      await local.close();
    }
  });
});

describe("publish + loadCompiled", () => {
  it("publishes an exported folder to the local Hub and loads it by repo id", async () => {
    const local = await startTestHubServer({
      root: hubRoot,
      access: { tokens: { [WRITE_TOKEN]: { user: "acme", write: true } } },
    });
    try {
      const publisher = { ...hub, endpoint: local.url, token: WRITE_TOKEN };
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
        hub: { ...hub, endpoint: local.url },
        device: cpuDevice,
        trustRemoteCode: true,
        lockfile: false,
        reuse: false,
      });
      expect(model.commit).toBe(published.commit);
      await expectEager(model, "b2");
      model.dispose();
    } finally {
      await local.close();
    }
  });
});

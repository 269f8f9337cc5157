import { cp, mkdir, mkdtemp, readFile, realpath, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestHubServer, type TestHubServer } from "@aotihub/hub-server/testing";
import { type HubConfig, loadCompiled, pinPrefetched, readLockfile, writeLockfile } from "@aotihub/loader";
import { sha256OfFile } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAndExtractPt2 } from "../packages/native/lib/formats/pt2/verify-and-extract-pt2.js";
import { readBucketIo, relativeError } from "./support/bucket-io.js";
import { prefetchForThisCpu } from "./support/prefetch-for-this-cpu.js";
import { ensureTestKernel, TEST_KERNEL_REPO, type TestKernel } from "./support/test-kernel.js";

// A model whose compiled graph calls a kernels-community style op (TORCH_LIBRARY, built from
// source here against the installed torch), served by the local Hub with its kernel repo
// (branch v1), resolved, downloaded, pinned and run by loadCompiled through the proxy executor.

let kernel: TestKernel;
let server: TestHubServer;
let projectDir: string;
const cpuDevice = "cpu" as const;

function freshHub(): HubConfig {
  const home = join(projectDir, `home-${Math.random().toString(16).slice(2)}`);
  return {
    endpoint: server.url,
    token: undefined,
    hfHome: home,
    cacheDir: join(home, "hub"),
    offline: false,
  };
}

beforeAll(async () => {
  kernel = await ensureTestKernel();
  const hubRoot = await mkdtemp(join(tmpdir(), "aotihub-custom-ops-hub-"));
  await cp(kernel.modelRepo, join(hubRoot, "models", "acme", "mix-model"), { recursive: true });
  const kernelDir = join(hubRoot, "kernels", ...TEST_KERNEL_REPO.split("/"));
  await mkdir(kernelDir, { recursive: true });
  await cp(join(kernel.kernelRepo, "build"), join(kernelDir, "build"), { recursive: true });
  await writeFile(
    join(kernelDir, ".aotihub-refs.json"),
    JSON.stringify({ branches: { main: ".", v1: "." } }),
  );
  server = await startTestHubServer({ root: hubRoot });
  projectDir = await mkdtemp(join(tmpdir(), "aotihub-custom-ops-project-"));
  await writeFile(
    join(projectDir, "aotihub.config.json"),
    JSON.stringify({
      aliases: { "mix-model": { repo: "acme/mix-model" } },
      index: null,
      trustedRepos: ["acme/mix-model"],
    }),
  );
  process.env.AOTIHUB_CACHE = join(projectDir, "aotihub-cache");
});

afterAll(async () => {
  await server?.close().catch(() => {});
});

describe("custom ops", () => {
  it("loadCompiled runs a model that calls a kernel op, equal to eager", async () => {
    const manifest = JSON.parse(await readFile(join(kernel.modelRepo, "aotihub.json"), "utf8"));
    expect(manifest.artifacts[0].kernels).toEqual([{ repo: TEST_KERNEL_REPO, version: 1 }]);
    const hub = freshHub();
    const model = await loadCompiled("mix-model", {
      cwd: projectDir,
      hub,
      device: cpuDevice,
      lockfile: false,
      reuse: false,
    });
    try {
      const io = await readBucketIo(kernel.modelRepo, "b2");
      const [out] = await model.run(io.inputs);
      expect(out!.shape).toEqual(io.outputs[0]!.shape);
      // Eager ran the same op library in Python; AOTI fuses nothing around an extern call on CPU.
      expect(relativeError(out!, io.outputs[0]!)).toBeLessThan(1e-6);
      // The kernel was fetched from the kernel repo's v1 branch into the shared HF cache.
      const kernelRequests = server.requests.filter((r) => r.url.includes(`/kernels/${TEST_KERNEL_REPO}/`));
      expect(
        kernelRequests.some((r) =>
          r.url.includes(`${kernel.variant}/aotihub_mix/${kernel.namespace}.abi3.so`),
        ),
      ).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it("pins the kernel build by commit and sha256 in the lockfile and checks it before loading", async () => {
    const hub = freshHub();
    const lockPath = join(projectDir, "aotihub.lock");
    const { models: fetched } = await prefetchForThisCpu("mix-model", projectDir, hub);
    writeLockfile(lockPath, {
      format: "aotihub-lock/1",
      models: { "mix-model": await pinPrefetched(fetched[0]!, hub) },
    });
    const pins = Object.values(readLockfile(lockPath)!.models["mix-model"]!.profiles.fp32!.targets).flatMap(
      (t) => t.kernels,
    );
    expect(pins.map((p) => [p.repo, p.variant])).toEqual([[TEST_KERNEL_REPO, kernel.variant]]);
    expect(pins[0]!.commit).toMatch(/^[0-9a-f]{40}$/);
    const soPin = pins[0]!.files.find((f) => f.path.endsWith(".abi3.so"))!;
    expect(soPin.sha256).toBe(await sha256OfFile(kernel.library));

    // The cached library changed after it was pinned: refused before it is loaded.
    const snapshot = join(
      hub.cacheDir,
      `kernels--${TEST_KERNEL_REPO.replace("/", "--")}`,
      "snapshots",
      pins[0]!.commit,
    );
    const blob = await realpath(join(snapshot, soPin.path));
    const bytes = await readFile(blob);
    bytes[bytes.length >> 1]! ^= 0x01;
    await writeFile(blob, bytes);
    await expect(
      loadCompiled("mix-model", {
        cwd: projectDir,
        hub,
        device: cpuDevice,
        lockfile: lockPath,
        reuse: false,
      }),
    ).rejects.toMatchObject({ code: "AOTIHUB_SHA256_MISMATCH" });
  });

  it("the custom-op call table the executor reads is copied out of the verified bytes, not re-read from the package", async () => {
    const manifest = JSON.parse(await readFile(join(kernel.modelRepo, "aotihub.json"), "utf8"));
    const artifact = manifest.artifacts[0] as { path: string; sha256: string };
    const work = await mkdtemp(join(tmpdir(), "aotihub-extern-nodes-"));
    const pkg = join(work, "model.pt2");
    await cp(join(kernel.modelRepo, artifact.path), pkg);
    const cacheDir = join(work, "aoti");
    const verified = await verifyAndExtractPt2(pkg, { cacheDir, sha256: artifact.sha256 });
    expect(verified.externNodesPath).not.toBeNull();
    expect(verified.externNodesPath!.startsWith(`${join(cacheDir, artifact.sha256)}/`)).toBe(true);
    const table = await readFile(verified.externNodesPath!, "utf8");
    expect(JSON.parse(table).nodes.length).toBeGreaterThan(0);
    // The package rewritten after the check (an attacker with write access to the cache): the
    // table the executor reads is still the verified one.
    await writeFile(pkg, "not a package any more");
    expect(await readFile(verified.externNodesPath!, "utf8")).toBe(table);
  });
});

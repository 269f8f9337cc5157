import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HubServer, startHubServer } from "@aotihub/hub-server";
import { type HubConfig, loadProjectConfig, pinPrefetched, prefetch, writeLockfile } from "@aotihub/loader";
import type { DeviceProfile } from "@aotihub/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// prefetch picks a kernel build the way the kernels library does, plus the compute-capability
// check it lacks: FA3 as shipped (archs 8.0 and 9.0a, no PTX) fits an H100, not a Blackwell GPU.

const VARIANT = "torch211-cxx11-cu130-x86_64-linux";
let server: HubServer;
let hub: HubConfig;
let project: ReturnType<typeof loadProjectConfig>;
let root: string;
const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

const gpu = (computeCapability: string): DeviceProfile => ({
  os: "linux",
  machine: "x86_64",
  cpuIsa: ["AVX2"],
  cuda: { computeCapability, driverVersion: "13.0", name: `sm ${computeCapability}` },
  torch: { version: "2.11.0+cu130", cuda: "13.0", cxx11Abi: true },
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "aotihub-kernel-archs-"));
  const model = join(root, "models", "acme", "attn-model");
  const artifact = Buffer.from("compiled package bytes (never loaded by prefetch)");
  await mkdir(join(model, "aoti", "cu130-ptx80"), { recursive: true });
  await mkdir(join(model, "weights"), { recursive: true });
  await writeFile(join(model, "aoti", "cu130-ptx80", "b1.pt2"), artifact);
  await writeFile(join(model, "weights", "model.safetensors"), Buffer.from("weights"));
  await writeFile(
    join(model, "aotihub.json"),
    JSON.stringify({
      format: "aotihub/1",
      name: "attn-model",
      weights: { bf16: { files: ["weights/model.safetensors"] } },
      profiles: { bf16: { weights: "bf16" } },
      artifacts: [
        {
          path: "aoti/cu130-ptx80/b1.pt2",
          sha256: createHash("sha256").update(artifact).digest("hex"),
          size: artifact.length,
          profile: "bf16",
          bucket: { name: "b1", inputs: { x: [1, 8] } },
          // PTX from 8.0 runs on any newer GPU, so only the kernel's archs decide.
          target: {
            device: "cuda",
            sass: [],
            ptx: "8.0",
            cuda: "13.0",
            torch: ">=2.11.0 <2.12.0",
            os: "linux",
            machine: "x86_64",
          },
          kernels: [{ repo: "kernels-community/flash-attn3", version: 1 }],
        },
      ],
    }),
  );
  const kernel = join(root, "kernels", "kernels-community", "flash-attn3");
  await mkdir(join(kernel, "build", VARIANT), { recursive: true });
  await writeFile(join(kernel, "build", VARIANT, "__init__.py"), "# fa3\n");
  await writeFile(
    join(kernel, "build", VARIANT, "metadata.json"),
    JSON.stringify({ backend: { type: "cuda", archs: ["8.0", "9.0a"] } }),
  );
  await writeFile(join(kernel, ".aotihub-refs.json"), JSON.stringify({ branches: { main: ".", v1: "." } }));
  server = await startHubServer({ root });
  const home = await mkdtemp(join(tmpdir(), "aotihub-kernel-archs-home-"));
  hub = { endpoint: server.url, token: undefined, hfHome: home, cacheDir: join(home, "hub"), offline: false };
  project = loadProjectConfig({ cwd: home });
});

afterAll(async () => {
  await server?.close();
});

describe("prefetch and kernel builds", () => {
  it("fetches FA3's build for an H100 (9.0)", async () => {
    const { files } = await prefetch({
      refs: ["acme/attn-model"],
      devices: [gpu("9.0")],
      project,
      config: hub,
      lockfile: false,
    });
    expect(files.map((f) => f.path)).toContain(`build/${VARIANT}/__init__.py`);
    const cached = join(hub.cacheDir, "kernels--kernels-community--flash-attn3", "snapshots");
    expect(await readdir(cached)).toHaveLength(1);
  });

  it("refuses it for a Blackwell GPU (12.0), naming the capability", async () => {
    await expect(
      prefetch({ refs: ["acme/attn-model"], devices: [gpu("12.0")], project, config: hub, lockfile: false }),
    ).rejects.toMatchObject({ code: "AOTIHUB_NO_KERNEL_VARIANT", message: expect.stringContaining("12.0") });
  });

  it("locks the kernel build by commit and by the sha256 of every file, and never follows vN after", async () => {
    const fetched = await prefetch({
      refs: ["acme/attn-model"],
      devices: [gpu("9.0")],
      project,
      config: hub,
      lockfile: false,
    });
    const locked = await pinPrefetched(fetched.models[0]!, hub);
    const model = join(root, "models", "acme", "attn-model");
    expect(locked.manifest.sha256).toBe(sha256(await readFile(join(model, "aotihub.json"))));
    const pins = Object.values(locked.profiles.bf16!.targets).flatMap((t) => t.kernels);
    expect(pins).toHaveLength(1);
    expect(pins[0]!.commit).toMatch(/^[0-9a-f]{40}$/);
    const kernel = join(root, "kernels", "kernels-community", "flash-attn3");
    for (const file of pins[0]!.files)
      expect(file.sha256, file.path).toBe(sha256(await readFile(join(kernel, file.path))));

    // The kernel's authors move v1 to new code: a locked project must not run it.
    const lockfile = join(hub.hfHome, "aotihub.lock");
    writeLockfile(lockfile, { format: "aotihub-lock/1", models: { "acme/attn-model": locked } });
    await writeFile(join(kernel, "build", VARIANT, "__init__.py"), "# moved v1: new code\n");
    const again = await prefetch({
      refs: ["acme/attn-model"],
      devices: [gpu("9.0")],
      project,
      config: hub,
      lockfile,
    }).then(
      (result) => result,
      (error: unknown) => error as { code: string },
    );
    if ("code" in again) {
      expect(again.code).toMatch(/^AOTIHUB_(REVISION_NOT_FOUND|LOCK_DRIFT)$/);
    } else {
      const init = again.files.find((f) => f.path === `build/${VARIANT}/__init__.py`)!;
      expect(init.commit).toBe(pins[0]!.commit);
      expect(init.sha256).toBe(sha256("# fa3\n"));
    }
  });
});

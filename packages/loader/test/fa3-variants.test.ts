import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HubServer, startHubServer } from "@aotihub/hub-server";
import type { HubConfig } from "@aotihub/loader";
import type { DeviceProfile } from "@aotihub/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchKernelBuilds } from "../src/model-files/fetch-kernel-builds.js";

// FA3 build resolution against a local mirror laid out like kernels-community/flash-attn3 and
// kernels-community/vllm-flash-attn3 on branch v1: their real build/ variant names (as listed on
// the Hub), each `build/<variant>/{metadata.json, <package>/...}` (kernels reads the metadata from
// the variant folder) with archs 8.0 and 9.0a (SASS, no PTX) as FA3 ships.

const FLASH_ATTN3 = [
  "torch26-cxx11-cu124-x86_64-linux",
  "torch26-cxx11-cu126-x86_64-linux",
  "torch26-cxx98-cu124-x86_64-linux",
  "torch26-cxx98-cu126-x86_64-linux",
  "torch27-cxx11-cu126-x86_64-linux",
  "torch27-cxx11-cu128-x86_64-linux",
  "torch28-cxx11-cu126-aarch64-linux",
  "torch28-cxx11-cu126-x86_64-linux",
  "torch28-cxx11-cu128-aarch64-linux",
  "torch28-cxx11-cu128-x86_64-linux",
  "torch28-cxx11-cu129-aarch64-linux",
  "torch28-cxx11-cu129-x86_64-linux",
  // The stored listing of flash-attn3 predates torch 2.9; kernels-community builds its attention
  // kernels for one matrix, and flash-attn2's later listing has this CUDA 13.0 build.
  "torch29-cxx11-cu130-x86_64-linux",
];
const VLLM_FLASH_ATTN3 = [
  "torch26-cxx11-cu124-x86_64-linux",
  "torch26-cxx98-cu124-x86_64-linux",
  "torch27-cxx11-cu126-x86_64-linux",
  "torch27-cxx11-cu128-x86_64-linux",
  "torch28-cxx11-cu126-x86_64-linux",
  "torch28-cxx11-cu128-x86_64-linux",
  "torch28-cxx11-cu129-x86_64-linux",
];

let server: HubServer;
let hub: HubConfig;

async function mirror(root: string, repo: string, pkg: string, variants: string[]) {
  const dir = join(root, "kernels", ...repo.split("/"));
  for (const variant of variants) {
    const build = join(dir, "build", variant, pkg);
    await mkdir(build, { recursive: true });
    await writeFile(join(build, "__init__.py"), `# ${repo} ${variant}\n`);
    await writeFile(join(build, "_ops.py"), `ops = None  # ${variant}\n`);
    await writeFile(
      join(dir, "build", variant, "metadata.json"),
      JSON.stringify({ version: 1, "python-depends": [], backend: { type: "cuda", archs: ["8.0", "9.0a"] } }),
    );
  }
  await writeFile(join(dir, ".aotihub-refs.json"), JSON.stringify({ branches: { main: ".", v1: "." } }));
}

function gpu(computeCapability: string, torch: string, cuda: string): DeviceProfile {
  return {
    os: "linux",
    machine: "x86_64",
    cpuIsa: ["AVX2"],
    cuda: { computeCapability, driverVersion: "13.0", name: `sm ${computeCapability}` },
    torch: { version: `${torch}.0+cu${cuda.replace(".", "")}`, cuda, cxx11Abi: true },
  };
}

async function chosenVariant(repo: string, device: DeviceProfile): Promise<string> {
  const files = await fetchKernelBuilds({ repo, revision: "v1" }, { device, config: hub });
  return [...new Set(files.map((f) => f.path.split("/")[1]))].join(",");
}

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), "aotihub-fa3-mirror-"));
  await mirror(root, "kernels-community/flash-attn3", "flash_attn3", FLASH_ATTN3);
  await mirror(root, "kernels-community/vllm-flash-attn3", "vllm_flash_attn3", VLLM_FLASH_ATTN3);
  server = await startHubServer({ root });
  const home = await mkdtemp(join(tmpdir(), "aotihub-fa3-home-"));
  hub = { endpoint: server.url, token: undefined, hfHome: home, cacheDir: join(home, "hub"), offline: false };
});

afterAll(async () => {
  await server?.close();
});

describe.each([
  ["kernels-community/flash-attn3", true],
  ["kernels-community/vllm-flash-attn3", false],
])("%s@v1", (repo, hasCuda13Build) => {
  it.each([
    ["2.8", "12.8", "torch28-cxx11-cu128-x86_64-linux"],
    ["2.8", "12.9", "torch28-cxx11-cu129-x86_64-linux"],
  ])("on 9.0 with torch %s + CUDA %s: %s", async (torch, cuda, variant) => {
    expect(await chosenVariant(repo, gpu("9.0", torch, cuda))).toBe(variant);
  });

  it("on 9.0 with torch 2.9 + CUDA 13.0: the cu130 build where the repo has one", async () => {
    const result = chosenVariant(repo, gpu("9.0", "2.9", "13.0"));
    if (hasCuda13Build) await expect(result).resolves.toBe("torch29-cxx11-cu130-x86_64-linux");
    else await expect(result).rejects.toMatchObject({ code: "AOTIHUB_NO_KERNEL_VARIANT" });
  });

  it("on 8.0 (A100): the same build, which carries the sm80 code", async () => {
    expect(await chosenVariant(repo, gpu("8.0", "2.8", "12.8"))).toBe("torch28-cxx11-cu128-x86_64-linux");
  });

  // 8.0 SASS runs on 8.9 (same major, higher minor), and FA3's source picks sm86/sm89 tile sizes
  // for that path (hopper/tile_size.h, tile_size_fwd_sm8x(sm86_or_89, ...)): accepted.
  it("on 8.9 (Ada): the sm80 code runs there, so the build is accepted", async () => {
    expect(await chosenVariant(repo, gpu("8.9", "2.8", "12.8"))).toBe("torch28-cxx11-cu128-x86_64-linux");
  });

  it.each(["10.0", "12.0"])("on %s (Blackwell): refused, naming the capability", async (capability) => {
    await expect(chosenVariant(repo, gpu(capability, "2.8", "12.8"))).rejects.toMatchObject({
      code: "AOTIHUB_NO_KERNEL_VARIANT",
      message: expect.stringContaining(capability),
    });
  });
});

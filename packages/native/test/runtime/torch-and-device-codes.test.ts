import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadPackagesOptions, loadPackages, probeGpus } from "@aotihub/native";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { testPython, testTorch } from "../support/python.js";
import { repoPackages, soCacheDir } from "../support/test-repo.js";

// The runtime's refusals about torch and devices, each produced for real on a CPU-only machine:
// torch folders made on disk, a package whose metadata says CUDA, GPUs that do not exist. This
// file runs in its own process (vitest forks), so the libtorch it loads is the first one.

const scratch = mkdtempSync(join(tmpdir(), "aotihub-torch-codes-"));
let tinyMlp: Pick<LoadPackagesOptions, "packages" | "weights">;
let cudaPackage: string;

/** A folder that looks like a torch install to findTorch (version.py, lib/), holding no real libtorch. */
function fakeTorch(name: string, { cuda }: { cuda: boolean }): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, "lib"), { recursive: true });
  writeFileSync(
    join(dir, "version.py"),
    `__version__ = '2.13.0${cuda ? "+cu130" : "+cpu"}'\ncuda = ${cuda ? "'13.0'" : "None"}\n`,
  );
  writeFileSync(join(dir, "lib", "libtorch_cpu.so"), "not an ELF file\n");
  writeFileSync(join(dir, "lib", "libtorch.so"), "not an ELF file\n");
  if (cuda) writeFileSync(join(dir, "lib", "libtorch_cuda.so"), "not an ELF file\n");
  return dir;
}

/** tiny-mlp's b2 package with its metadata saying it was compiled for CUDA 9.0 (repacked stored, like torch). */
function relabelAsCuda(pt2: string, out: string, capability = "90"): void {
  const script = `
import json, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_STORED) as b:
    for info in a.infolist():
        data = a.read(info.filename)
        if info.filename.endswith("wrapper_metadata.json"):
            meta = json.loads(data)
            meta.update(AOTI_DEVICE_KEY="cuda", AOTI_COMPUTE_CAPABILITY=sys.argv[3])
            data = json.dumps(meta).encode()
        b.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), data)
`;
  execFileSync(testPython(), ["-c", script, pt2, out, capability]);
}

// A CUDA package for another GPU architecture can only be refused where there is a GPU: say so.
const gpus = await probeGpus();
if (gpus.length === 0)
  console.warn("[gpu] AOTIHUB_COMPUTE_CAPABILITY_MISMATCH not produced here: no CUDA GPU on this machine");

const load = (overrides: Partial<LoadPackagesOptions>) =>
  loadPackages({ ...tinyMlp, device: "cpu", cacheDir: soCacheDir, ...overrides });

beforeAll(async () => {
  const models = await ensureTestModels();
  tinyMlp = repoPackages(models.models["tiny-mlp"], ["b2"]);
  cudaPackage = join(scratch, "cuda-b2.pt2");
  relabelAsCuda(tinyMlp.packages[0]!.path, cudaPackage);
});

describe("loadPackages refuses what cannot run here, before loading any code", () => {
  it("AOTIHUB_PACKAGES_INVALID: no package", async () => {
    await expect(load({ packages: [] })).rejects.toMatchObject({
      code: "AOTIHUB_PACKAGES_INVALID",
      message: expect.stringContaining("loadPackages needs at least one package"),
    });
  });

  it("AOTIHUB_DEVICE_MISMATCH: a CUDA package opened on the CPU", async () => {
    const packages = [{ ...tinyMlp.packages[0]!, path: cudaPackage }];
    await expect(load({ packages, torchDir: (await testTorch()).dir })).rejects.toMatchObject({
      code: "AOTIHUB_DEVICE_MISMATCH",
      message: expect.stringMatching(
        /cuda-b2\.pt2 was compiled for cuda, not cpu[\s\S]*AOTI_DEVICE_KEY=cuda/,
      ),
    });
  });

  it("AOTIHUB_TORCH_NO_CUDA: a GPU asked of a CPU build of torch, on any machine", async () => {
    const cpuTorch = fakeTorch("cpu-torch", { cuda: false });
    const refused = load({ device: "cuda:0", torchDir: cpuTorch });
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_TORCH_NO_CUDA" });
    await expect(refused).rejects.toThrow("The torch found cannot run on cuda:0.");
    await expect(refused).rejects.toThrow(
      `received: torch 2.13.0+cpu at ${cpuTorch} (found via option torchDir)`,
    );
  });

  it("AOTIHUB_NO_SUCH_GPU: a GPU index the driver does not show", async () => {
    const cudaTorch = fakeTorch("cuda-torch", { cuda: true });
    await expect(load({ device: "cuda:99", torchDir: cudaTorch })).rejects.toMatchObject({
      code: "AOTIHUB_NO_SUCH_GPU",
      message: expect.stringMatching(
        /There is no GPU cuda:99 on this machine\.[\s\S]*expected: a CUDA device with index 99/,
      ),
    });
  });
});

describe("one libtorch per process", () => {
  it("AOTIHUB_TORCH_LOAD_FAILED, then a real torch loads, then AOTIHUB_TORCH_CONFLICT for any other", async () => {
    // the order is the point: a failed dlopen must leave the process able to load a good torch,
    // and once one is loaded every other folder is refused
    const broken = fakeTorch("broken-torch", { cuda: false });
    const failed = load({ torchDir: broken });
    await expect(failed).rejects.toMatchObject({ code: "AOTIHUB_TORCH_LOAD_FAILED" });
    await expect(failed).rejects.toThrow(`Could not load libtorch from ${join(broken, "lib")}`);
    await expect(failed).rejects.toThrow(/received: dlopen failed:[\s\S]*libtorch_cpu\.so/);

    const model = await load({ torchDir: (await testTorch()).dir });
    model.dispose();

    const other = fakeTorch("other-torch", { cuda: false });
    const conflict = load({ torchDir: other });
    await expect(conflict).rejects.toMatchObject({ code: "AOTIHUB_TORCH_CONFLICT" });
    await expect(conflict).rejects.toThrow(
      /A different libtorch is already loaded in this process\.[\s\S]*asked for/,
    );
  });

  it("AOTIHUB_BUCKET_INPUTS_MISMATCH: a package listed with a bucket of two inputs; it takes one", async () => {
    const [b2] = tinyMlp.packages;
    const packages = [{ ...b2!, bucket: { name: "b2", inputs: { x: [2, 8], mask: [2, 8] } } }];
    const refused = load({ packages, torchDir: (await testTorch()).dir });
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_BUCKET_INPUTS_MISMATCH" });
    await expect(refused).rejects.toThrow("Variant b2 does not take its bucket's inputs.");
    await expect(refused).rejects.toThrow("received: a compiled model taking 1 inputs");
  });
});

describe.skipIf(gpus.length === 0)("on a GPU machine", () => {
  it("AOTIHUB_COMPUTE_CAPABILITY_MISMATCH: a CUDA package for the next GPU architecture", async () => {
    const major = Number(gpus[0]!.computeCapability.split(".")[0]);
    const future = join(scratch, "future-gpu.pt2");
    relabelAsCuda(tinyMlp.packages[0]!.path, future, `${major + 1}0`);
    const refused = load({
      packages: [{ ...tinyMlp.packages[0]!, path: future }],
      device: "cuda:0",
      torchDir: fakeTorch("gpu-torch", { cuda: true }),
    });
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_COMPUTE_CAPABILITY_MISMATCH" });
    await expect(refused).rejects.toThrow(`expected: a GPU of compute capability ${major + 1}.0`);
    await expect(refused).rejects.toThrow(`received: compute capability ${gpus[0]!.computeCapability}`);
  });
});

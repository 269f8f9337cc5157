import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPackages } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels, type TestModels } from "../../../../test/support/test-models.js";
import { testTorch } from "../support/python.js";
import { swapWrapperSo } from "../support/swap-wrapper-so.js";
import { repoPackages, soCacheDir } from "../support/test-repo.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "aotihub-standalone-errors-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let models: TestModels;
let torchDir: string;
beforeAll(async () => {
  models = await ensureTestModels();
  torchDir = (await testTorch()).dir;
}, 900_000);

/** standalone-mlp's package with its .so replaced by one built from `source` (C). */
function packageWithSo(name: string, source: string): string {
  const c = join(scratch, `${name}.c`);
  const so = join(scratch, `${name}.so`);
  writeFileSync(c, source);
  execFileSync("cc", ["-shared", "-fPIC", "-o", so, c]);
  const pt2 = join(scratch, `${name}.pt2`);
  return swapWrapperSo(repoPackages(models.models["standalone-mlp"]).packages[0]!.path, so, pt2);
}

function child(mode: string): string[] {
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      here("./support/conflict-child.ts"),
      mode,
      torchDir,
      soCacheDir,
      models.models["standalone-mlp"],
      models.models["tiny-mlp"],
    ],
    { encoding: "utf8", timeout: 180_000 },
  );
  expect(run.signal, run.stderr).toBeNull();
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as string[];
}

// Refusals of the standalone runtime (issue 13). The package checks run before any runtime is
// loaded, so they are safe in this (possibly libtorch-loaded) test process; the runtime conflicts
// and libcudart run in fresh child processes.
describe("standalone runtime refusals", () => {
  it("AOTIHUB_STANDALONE_NEEDS_LIBTORCH: a libtorch build (tiny-mlp) under runtime standalone", async () => {
    const load = loadPackages({
      ...repoPackages(models.models["tiny-mlp"]),
      device: "cpu",
      runtime: "standalone",
      cacheDir: soCacheDir,
    });
    await expect(load).rejects.toMatchObject({ code: "AOTIHUB_STANDALONE_NEEDS_LIBTORCH" });
    await expect(load).rejects.toThrow(/libtorch/);
  });

  it("AOTIHUB_STANDALONE_SHIM_MISSING: a .so that calls an aten op through the shim", async () => {
    const pt2 = packageWithSo(
      "aten-op",
      "int aoti_torch_cpu_addmm_out(); int aoti_torch_empty_strided(); int f(void) { return aoti_torch_cpu_addmm_out() + aoti_torch_empty_strided(); }",
    );
    const spec = repoPackages(models.models["standalone-mlp"]);
    const load = loadPackages({
      ...spec,
      packages: [{ ...spec.packages[0]!, path: pt2 }],
      device: "cpu",
      runtime: "standalone",
      cacheDir: scratch,
    });
    await expect(load).rejects.toMatchObject({ code: "AOTIHUB_STANDALONE_SHIM_MISSING" });
    await expect(load).rejects.toThrow(/aoti_torch_cpu_addmm_out/);
    await expect(load).rejects.not.toThrow(/aoti_torch_empty_strided/);
  });

  it("AOTIHUB_STANDALONE_KERNELS: custom-op libraries with runtime standalone", async () => {
    const load = loadPackages({
      ...repoPackages(models.models["standalone-mlp"]),
      device: "cpu",
      runtime: "standalone",
      kernelLibraries: ["/opt/kernels/_flash_attn3.abi3.so"],
    });
    await expect(load).rejects.toMatchObject({ code: "AOTIHUB_STANDALONE_KERNELS" });
  });

  it("AOTIHUB_RUNTIME_CONFLICT: libtorch after standalone, and standalone after libtorch; the first keeps working", () => {
    expect(child("standalone-first")).toEqual(["ok", "AOTIHUB_RUNTIME_CONFLICT", "ok"]);
    expect(child("libtorch-first")).toEqual(["ok", "AOTIHUB_RUNTIME_CONFLICT", "ok"]);
  });

  it("AOTIHUB_CUDA_RUNTIME_NOT_FOUND: libcudart from a path that does not exist", () => {
    expect(child("cudart")).toEqual(["AOTIHUB_CUDA_RUNTIME_NOT_FOUND"]);
  });
});

import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPackages } from "@aotihub/native";
import { beforeAll, describe, expect, it } from "vitest";
import { compileBrokenLibrary } from "./support/compile-broken-library.js";
import { runPython } from "./support/python.js";
import { ensureTestKernel, type TestKernel } from "./support/test-kernel.js";

// The errors a user meets when a model's kernel does not fit, each typed and refused before the
// model runs (a call that does not fit the op crashes inside the dispatcher). Its own file: the
// ops registered here stay registered for the process.

let kernel: TestKernel;
let otherSchemaLib: string;
let otherTorchLib: string;

async function loadMixModel(kernelLibraries: string[]) {
  const manifest = JSON.parse(await readFile(join(kernel.modelRepo, "aotihub.json"), "utf8"));
  const artifact = manifest.artifacts[0];
  return loadPackages({
    packages: [{ path: join(kernel.modelRepo, artifact.path), bucket: artifact.bucket }],
    weights: [join(kernel.modelRepo, "weights", "fp32", "model.safetensors")],
    device: "cpu",
    cacheDir: join(tmpdir(), "aotihub-custom-ops-errors-aoti"),
    kernelLibraries,
  });
}

beforeAll(async () => {
  kernel = await ensureTestKernel();
  const dir = await mkdtemp(join(tmpdir(), "aotihub-broken-kernels-"));
  otherSchemaLib = compileBrokenLibrary("other_schema.cc", join(dir, "other_schema.so"), [
    `-DOP_NAMESPACE=${kernel.namespace}`,
  ]);
  otherTorchLib = compileBrokenLibrary("other_torch.cc", join(dir, "other_torch.so"));
});

describe("custom-op errors", () => {
  it("aotihub_export refuses a package that calls custom ops when the spec names no kernel", async () => {
    const manifest = JSON.parse(await readFile(join(kernel.modelRepo, "aotihub.json"), "utf8"));
    const pt2 = join(kernel.modelRepo, manifest.artifacts[0].path);
    const script = [
      "import sys",
      "from aotihub_export.errors import ExportError",
      "from aotihub_export.export import check_kernels_named",
      "check_kernels_named(sys.argv[1], [{'repo': 'aotihub-test/mix', 'version': 1}], 'b2')",
      "try:",
      "    check_kernels_named(sys.argv[1], [], 'b2')",
      "except ExportError as e:",
      "    print(e.code); print(e.received)",
    ].join("\n");
    const { stdout } = await runPython(["-c", script, pt2]);
    expect(stdout).toContain("AOTIHUB_EXPORT_KERNELS_MISSING");
    expect(stdout).toContain(`calls to ${kernel.namespace}::mix`);
  });

  it("refuses a model whose op no loaded kernel registers", async () => {
    await expect(loadMixModel([])).rejects.toMatchObject({
      code: "AOTIHUB_KERNEL_OP_MISSING",
      message: expect.stringContaining(`${kernel.namespace}::mix`),
    });
  });

  it("refuses a kernel library built for another torch, without loading it", async () => {
    const error = await loadMixModel([otherTorchLib]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "AOTIHUB_KERNEL_TORCH_ABI" });
    expect((error as { received: string }).received).toContain("aotihub_symbol_of_another_torch_release");
  });

  it("refuses a kernel library that is not a shared library, without loading it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aotihub-garbage-kernel-"));
    const garbage = join(dir, "_garbage_kernel.abi3.so");
    await writeFile(garbage, Buffer.from("this is no ELF shared library, just text named like one\n"));
    const error = await loadMixModel([garbage]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "AOTIHUB_KERNEL_LOAD_FAILED",
      message: expect.stringContaining(`Cannot load the kernel library ${garbage}`),
    });
    expect((error as { received: string }).received).toContain("is not a 64-bit ELF shared library");
  });

  it("refuses an op whose registered schema differs from the model's call", async () => {
    const error = await loadMixModel([otherSchemaLib]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "AOTIHUB_KERNEL_OP_SCHEMA_MISMATCH" });
    const received = (error as { received: string }).received;
    expect(received).toContain(`${kernel.namespace}::mix(Tensor x, Tensor w, float alpha) -> Tensor`);
    expect(received).toContain("3 arguments registered, the model passes 7");
  });

  it("refuses a second, different build under a library name already loaded, before dlopen", async () => {
    // Registering the same TORCH_LIBRARY namespace twice throws inside dlopen, which aborts the
    // process: the other build (same name, one byte more) must never reach dlopen.
    const dir = await mkdtemp(join(tmpdir(), "aotihub-other-build-"));
    const otherBuild = join(dir, "other_schema.so");
    await writeFile(otherBuild, Buffer.concat([await readFile(otherSchemaLib), Buffer.from([0])]));
    const error = await loadMixModel([otherBuild]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "AOTIHUB_KERNEL_NAMESPACE_TAKEN" });
    expect((error as { expected: string }).expected).toContain(otherSchemaLib);
  });
});

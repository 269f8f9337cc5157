import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findTorch } from "@aotihub/native";
import { describe, expect, it } from "vitest";
import { targetKey } from "../packages/loader/src/model-files/pin-model.js";
import { findCudaRuntime } from "../packages/loader/src/runtime/find-cuda-runtime.js";
import { nativeRuntimeOptions } from "../packages/loader/src/runtime/native-runtime-options.js";
import { requestedRuntime } from "../packages/loader/src/runtime/requested-runtime.js";
import { cpuArtifact, cudaArtifact } from "../packages/registry/test/support/builders.js";

// Issue 13, the loader's side of choosing a runtime: where the request comes from, where a
// standalone CUDA build's libcudart is found, and how the lockfile keeps the two builds apart.

describe("requestedRuntime: the option, then AOTIHUB_RUNTIME, then the config", () => {
  it.each([
    // option, AOTIHUB_RUNTIME, config default -> asked of the registry (undefined: auto)
    [undefined, undefined, undefined, undefined],
    ["standalone", "libtorch", "libtorch", "standalone"],
    [undefined, "standalone", "libtorch", "standalone"],
    [undefined, "", "standalone", "standalone"],
    [undefined, undefined, "libtorch", "libtorch"],
    ["auto", "standalone", undefined, undefined],
    [undefined, "auto", "standalone", undefined],
  ] as const)("option %j, env %j, config %j -> %j", (option, env, config, asked) => {
    expect(requestedRuntime({ option, env: env === undefined ? {} : { AOTIHUB_RUNTIME: env }, config })).toBe(
      asked,
    );
  });

  it.each([
    [{ option: "onnx" }, 'Unknown runtime "onnx" in the runtime option.'],
    [{ option: 1 }, "Unknown runtime 1 in the runtime option."],
    [{ env: { AOTIHUB_RUNTIME: "Standalone" } }, 'Unknown runtime "Standalone" in AOTIHUB_RUNTIME.'],
  ])("AOTIHUB_RUNTIME_INVALID for %j", (sources, summary) => {
    expect(() => requestedRuntime({ env: {}, ...sources })).toThrow(
      expect.objectContaining({
        code: "AOTIHUB_RUNTIME_INVALID",
        expected: '"auto", "libtorch" or "standalone"',
        message: expect.stringContaining(summary),
      }),
    );
  });
});

describe("findCudaRuntime: the libcudart a standalone CUDA build loads", () => {
  const scratch = mkdtempSync(join(tmpdir(), "aotihub-cudart-"));
  // never this machine's /usr/local/cuda: the answers must not depend on what is installed here
  const defaultToolkit = join(scratch, "no-toolkit");

  /** A real Python environment (venv, no pip) with the nvidia wheels' folders filled in. */
  function venvWith(files: string[]): string {
    const dir = mkdtempSync(join(scratch, "venv-"));
    execFileSync("python3", ["-m", "venv", "--without-pip", dir]);
    const site = execFileSync(
      join(dir, "bin", "python"),
      ["-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
      {
        encoding: "utf8",
      },
    ).trim();
    for (const file of files) {
      mkdirSync(join(site, file, ".."), { recursive: true });
      writeFileSync(join(site, file), "");
    }
    return join(dir, "bin", "python");
  }

  it("finds the CUDA 13 wheel (nvidia/cu13/lib) and the CUDA 12 one (nvidia/cuda_runtime/lib)", async () => {
    const python = venvWith(["nvidia/cu13/lib/libcudart.so.13", "nvidia/cuda_runtime/lib/libcudart.so.12"]);
    const site = execFileSync(
      python,
      ["-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
      {
        encoding: "utf8",
      },
    ).trim();
    expect(await findCudaRuntime({ cuda: "13.0", pythons: [python], env: {}, defaultToolkit })).toBe(
      join(site, "nvidia/cu13/lib/libcudart.so.13"),
    );
    expect(await findCudaRuntime({ cuda: "12.8", pythons: [python], env: {}, defaultToolkit })).toBe(
      join(site, "nvidia/cuda_runtime/lib/libcudart.so.12"),
    );
    // a CUDA 11 build: no wheel folder known, no toolkit: the system's search path decides
    expect(await findCudaRuntime({ cuda: "11.8", pythons: [python], env: {}, defaultToolkit })).toBeNull();
  });

  it("shares findTorch's python spawn: a load asks each interpreter once for both", async () => {
    const python = venvWith(["nvidia/cu13/lib/libcudart.so.13"]);
    // a real interpreter behind a wrapper that counts its starts
    const calls = join(scratch, `calls-${Date.now()}`);
    const counting = join(scratch, `counting-python-${Date.now()}`);
    writeFileSync(counting, `#!/bin/sh\necho started >> ${calls}\nexec ${python} "$@"\n`, { mode: 0o755 });
    const env = {};
    await expect(findTorch({ env, pythons: [counting] })).rejects.toMatchObject({
      code: "AOTIHUB_TORCH_NOT_FOUND", // this venv has the CUDA wheel's folder, no torch
    });
    const found = await findCudaRuntime({ cuda: "13.0", pythons: [counting], env, defaultToolkit });
    expect(found).toMatch(/nvidia\/cu13\/lib\/libcudart\.so\.13$/);
    expect(readFileSync(calls, "utf8").trim().split("\n")).toHaveLength(1);
    // the next load asks again (a wheel or a torch installed meanwhile is found)
    await findCudaRuntime({ cuda: "13.0", pythons: [counting], env, defaultToolkit });
    expect(readFileSync(calls, "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("then CUDA_HOME's lib64, past interpreters that are missing or have no wheel", async () => {
    const bare = venvWith([]);
    const toolkit = mkdtempSync(join(scratch, "cuda-"));
    mkdirSync(join(toolkit, "lib64"));
    writeFileSync(join(toolkit, "lib64", "libcudart.so.13"), "");
    const pythons = [join(scratch, "no-such-python"), bare];
    expect(
      await findCudaRuntime({ cuda: "13.0", pythons, env: { CUDA_HOME: toolkit }, defaultToolkit }),
    ).toBe(join(toolkit, "lib64", "libcudart.so.13"));
    expect(
      await findCudaRuntime({ cuda: "13.0", pythons, env: { CUDA_PATH: toolkit }, defaultToolkit }),
    ).toBe(join(toolkit, "lib64", "libcudart.so.13"));
    expect(
      await findCudaRuntime({ cuda: "12.4", pythons, env: { CUDA_HOME: toolkit }, defaultToolkit }),
    ).toBeNull();
  });
});

describe("nativeRuntimeOptions: what loadPackages is told", () => {
  const scratch = mkdtempSync(join(tmpdir(), "aotihub-native-opts-"));
  const toolkit = join(scratch, "cuda");
  mkdirSync(join(toolkit, "lib64"), { recursive: true });
  writeFileSync(join(toolkit, "lib64", "libcudart.so.12"), "");
  // no interpreter and no default toolkit: only CUDA_HOME can answer
  const find = { pythons: [], env: { CUDA_HOME: toolkit }, defaultToolkit: join(scratch, "none") };
  const cuda12 = cudaArtifact("sa-cu128.pt2", { cuda: "12.8" }, { runtime: "standalone" });
  const cuda13 = cudaArtifact("sa-cu130.pt2", { cuda: "13.0" }, { runtime: "standalone" });

  it.each([
    ["libtorch: the runtime only", "libtorch", [cudaArtifact("lt.pt2")], {}, { runtime: "libtorch" }],
    [
      "standalone CPU: no libcudart",
      "standalone",
      [cpuArtifact("sa.pt2", {}, { runtime: "standalone" })],
      {},
      { runtime: "standalone" },
    ],
    [
      "standalone CUDA 12: the libcudart.so.12 found",
      "standalone",
      [cuda12],
      {},
      { runtime: "standalone", cudaRuntimeLibrary: join(toolkit, "lib64", "libcudart.so.12") },
    ],
    [
      "standalone CUDA 13, none found: the system's by soname",
      "standalone",
      [cuda13],
      {},
      { runtime: "standalone" },
    ],
    [
      "the caller's library wins",
      "standalone",
      [cuda12],
      { cudaRuntimeLibrary: "/opt/cudart.so" },
      { runtime: "standalone", cudaRuntimeLibrary: "/opt/cudart.so" },
    ],
  ] as const)("%s", async (_what, runtime, chosen, given, expected) => {
    expect(await nativeRuntimeOptions(runtime, [...chosen], { ...given, find })).toEqual(expected);
  });
});

describe("targetKey: a standalone build is its own target in aotihub.lock", () => {
  it.each([
    [cpuArtifact("a.pt2"), "cpu-linux-x86_64-AVX2-torch>=2.11.0 <2.12.0"],
    [cpuArtifact("a.pt2", {}, { runtime: "libtorch" }), "cpu-linux-x86_64-AVX2-torch>=2.11.0 <2.12.0"],
    [
      cpuArtifact("a.pt2", {}, { runtime: "standalone" }),
      "cpu-linux-x86_64-AVX2-torch>=2.11.0 <2.12.0-standalone",
    ],
    [
      cudaArtifact("a.pt2", {}, { runtime: "standalone" }),
      "cuda13.0-sm9.0-linux-x86_64-torch>=2.11.0 <2.12.0-standalone",
    ],
  ])("%#", (artifact, key) => {
    expect(targetKey(artifact)).toBe(key);
  });
});

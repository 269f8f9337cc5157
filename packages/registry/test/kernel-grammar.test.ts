import {
  type DeviceProfile,
  isAotihubError,
  type KernelSystem,
  kernelSystemOf,
  parseKernelVariant,
  resolveKernelVariant,
} from "@aotihub/registry";
import { describe, expect, it } from "vitest";

// The corners of kernels' variant grammar, acceptance and order that mutation testing
// (docs/testing.md) found unpinned: each parse result field, each refusal's words (kernels' own,
// with Python's repr of the name), the non-Linux ABI rule, a missing torch, and the archs check.

const linux = (over: Partial<KernelSystem> = {}): KernelSystem => ({
  torch: "2.9",
  cxx11Abi: true,
  cuda: "12.8",
  cpu: "x86_64",
  os: "linux",
  ...over,
});

function refusal(name: string): string {
  try {
    parseKernelVariant(name);
  } catch (error) {
    if (isAotihubError(error) && error.code === "AOTIHUB_KERNEL_VARIANT_INVALID") return error.message;
    throw error;
  }
  throw new Error(`${name} parsed`);
}

describe("parseKernelVariant", () => {
  it.each([
    [
      "torch-stable-abi29-cu128-x86_64-linux",
      { kind: "torch-stable-abi", major: 2, minor: 9 },
      { name: "cuda", major: 12, minor: 8, variantStr: "cu128" },
    ],
    [
      "torch29-cu128-x86_64-linux",
      { kind: "torch", major: 2, minor: 9, cxx11Abi: null },
      { name: "cuda", major: 12, minor: 8, variantStr: "cu128" },
    ],
    [
      "torch210-cxx98-rocm64-x86_64-linux",
      { kind: "torch", major: 2, minor: 10, cxx11Abi: false },
      { name: "rocm", major: 6, minor: 4, variantStr: "rocm64" },
    ],
    [
      "tvm-ffi012-cu1210-aarch64-linux",
      { kind: "tvm-ffi", major: 0, minor: 12 },
      // greedy first group, as Python's (\d+)(\d+): the minor is the last digit
      { name: "cuda", major: 121, minor: 0, variantStr: "cu1210" },
    ],
    [
      "torch29-cxx11-metal-aarch64-darwin",
      { kind: "torch", major: 2, minor: 9, cxx11Abi: true },
      { name: "metal", variantStr: "metal" },
    ],
    [
      "torch29-cpu-x86_64-linux",
      { kind: "torch", major: 2, minor: 9, cxx11Abi: null },
      { name: "cpu", variantStr: "cpu" },
    ],
    [
      "torch29-neuron-x86_64-linux",
      { kind: "torch", major: 2, minor: 9, cxx11Abi: null },
      { name: "neuron", variantStr: "neuron" },
    ],
    [
      "torch29-xpu20-x86_64-linux",
      { kind: "torch", major: 2, minor: 9, cxx11Abi: null },
      { name: "xpu", major: 2, minor: 0, variantStr: "xpu20" },
    ],
    [
      "torch29-cann81-aarch64-linux",
      { kind: "torch", major: 2, minor: 9, cxx11Abi: null },
      { name: "cann", major: 8, minor: 1, variantStr: "cann81" },
    ],
  ])("%s", (name, framework, backend) => {
    const [cpu, os] = name.split("-").slice(-2);
    expect(parseKernelVariant(name)).toEqual({ kind: "arch", name, framework, backend, cpu, os });
  });

  it("noarch: torch-<backend>, the rest of the name kept whole", () => {
    expect(parseKernelVariant("torch-cuda")).toEqual({
      kind: "noarch",
      name: "torch-cuda",
      backendName: "cuda",
    });
    expect(parseKernelVariant("torch-my-backend")).toMatchObject({
      kind: "noarch",
      backendName: "my-backend",
    });
  });

  it.each([
    [
      "torch-stable-abi29x-cu128-x86_64-linux",
      "Invalid Torch stable ABI variant string: 'torch-stable-abi29x'",
    ],
    ["torch29x-cxx11-cu128-x86_64-linux", "Invalid Torch variant string: 'torch29x-cxx11'"],
    ["torch29", "Invalid arch variant parts: []"],
    ["torch29-cxx11", "Invalid arch variant parts: []"],
    ["torch29-cxx11-cu128-x86_64", "Invalid arch variant parts: ['cu128', 'x86_64']"],
    ["tvm-ffi01x-cu128-x86_64-linux", "Invalid TvmFfi variant string: 'tvm-ffi01x'"],
    ["tvm", "Unknown framework in variant string: 'tvm'"],
    ["tvm-abc-cu128-x86_64-linux", "Unknown framework in variant string: 'tvm-abc-cu128-x86_64-linux'"],
    ["jax01-cu128-x86_64-linux", "Unknown framework in variant string: 'jax01-cu128-x86_64-linux'"],
    ["torch29-cuX-x86_64-linux", "Invalid CUDA variant string: 'cuX'"],
    ["torch29-rocm7-x86_64-linux", "Invalid ROCm variant string: 'rocm7'"],
    ["torch29-tpu-x86_64-linux", "Unknown backend variant string: 'tpu'"],
    ["torch29-tp'u-x86_64-linux", `Unknown backend variant string: "tp'u"`],
    [`torch29-t"p'u-x86_64-linux`, `Unknown backend variant string: 't"p\\'u'`],
  ])("%s is refused: %s", (name, message) => {
    expect(refusal(name)).toBe(message);
  });
});

describe("kernels' acceptance", () => {
  const reasonFor = (name: string, system: KernelSystem) =>
    resolveKernelVariant([name], system).trace[0]!.reasons;

  it("the C++ ABI tag counts on Linux only; elsewhere kernels reads it as None", () => {
    const mac = linux({ os: "darwin", cpu: "aarch64", cuda: null });
    expect(reasonFor("torch29-cxx11-cpu-aarch64-darwin", mac)).toEqual([
      "Torch CXX11 ABI (True) does not match environment Torch CXX11 ABI (None)",
    ]);
    expect(reasonFor("torch29-cpu-aarch64-darwin", mac)).toEqual([]);
    expect(reasonFor("torch29-cxx98-cu128-x86_64-linux", linux())).toEqual([
      "Torch CXX11 ABI (False) does not match environment Torch CXX11 ABI (True)",
    ]);
  });

  it("without torch nothing versioned is accepted, and the reason says None", () => {
    const none = linux({ torch: null });
    expect(reasonFor("torch29-cu128-x86_64-linux", none)).toEqual([
      "Torch version (2.9) does not match environment Torch version (None)",
    ]);
    expect(reasonFor("torch-stable-abi29-cu128-x86_64-linux", none)).toEqual([
      "Torch stable ABI version (2.9) is too new for environment Torch version (None)",
    ]);
    expect(reasonFor("tvm-ffi01-cu128-x86_64-linux", linux())).toEqual([
      "tvm-ffi version (0.1) does not match environment tvm-ffi version (None)",
    ]);
    expect(reasonFor("tvm-ffi01-cu128-x86_64-linux", linux({ tvmFfi: "0.1.3" }))).toEqual([]);
    expect(reasonFor("torch29-cu128-x86_64-linux", linux({ torch: "2.9.1+cu128" }))).toEqual([]);
  });

  it("versions compare by major first, then minor", () => {
    expect(reasonFor("torch-stable-abi310-cu128-x86_64-linux", linux({ torch: "2.11" }))).toEqual([
      "Torch stable ABI version (3.10) is too new for environment Torch version (2.11)",
    ]);
    expect(reasonFor("torch-stable-abi28-cu128-x86_64-linux", linux({ torch: "3.0" }))).toEqual([]);
  });

  it("the newest stable ABI first; no variants at all is no choice", () => {
    const system = linux({ torch: "3.10" });
    const names = ["torch-stable-abi29-cu128-x86_64-linux", "torch-stable-abi310-cu128-x86_64-linux"];
    expect(resolveKernelVariant(names, system).variant).toBe("torch-stable-abi310-cu128-x86_64-linux");
    expect(resolveKernelVariant([], system)).toEqual({ variant: null, trace: [] });
  });
});

describe("the archs check kernels lacks", () => {
  const hopper = linux({ computeCapability: "9.0" });
  const cuda = "torch29-cxx11-cu128-x86_64-linux";

  it("refuses a CUDA build, arch or noarch, whose archs cannot run on this GPU", () => {
    const sm80Only = resolveKernelVariant([cuda], linux({ computeCapability: "7.5" }), { [cuda]: ["8.0"] });
    expect(sm80Only.variant).toBeNull();
    expect(sm80Only.trace[0]!.reasons[0]).toContain("kernels itself would pick it and fail at launch");
    const noarch = resolveKernelVariant(["torch-cuda"], linux({ computeCapability: "7.5" }), {
      "torch-cuda": ["8.0"],
    });
    expect(noarch.variant).toBeNull();
  });

  it("says so when the archs are not ones it understands", () => {
    const { trace } = resolveKernelVariant([cuda], hopper, { [cuda]: ["hopper"] });
    expect(trace[0]!.reasons).toEqual([
      'its metadata.json lists no CUDA architecture this aotihub understands (["hopper"]); ask the kernel\'s publisher to list archs like "9.0a" or "8.0+PTX"',
    ]);
  });

  it("checks nothing for a non-CUDA build, an unknown capability or a capability it cannot read", () => {
    const cpuBuild = "torch29-cxx11-cpu-x86_64-linux";
    expect(
      resolveKernelVariant([cpuBuild], linux({ cuda: null, computeCapability: "9.0" }), {
        [cpuBuild]: ["8.0"],
      }).variant,
    ).toBe(cpuBuild);
    expect(
      resolveKernelVariant(["torch-cpu"], linux({ cuda: null, computeCapability: "9.0" }), {
        "torch-cpu": ["8.0"],
      }).variant,
    ).toBe("torch-cpu");
    expect(resolveKernelVariant([cuda], linux(), { [cuda]: ["8.0"] }).variant).toBe(cuda);
    expect(
      resolveKernelVariant([cuda], linux({ computeCapability: "nine" }), { [cuda]: ["8.0"] }).variant,
    ).toBe(cuda);
    expect(resolveKernelVariant([cuda], hopper, { [cuda]: ["9.0", "junk"] }).variant).toBe(cuda);
  });
});

describe("kernelSystemOf", () => {
  const device: DeviceProfile = {
    os: "linux",
    machine: "x86_64",
    cuda: { computeCapability: "9.0", driverVersion: "13.0" },
    torch: { version: "2.11.0+cu130", cuda: "13.0", cxx11Abi: false },
  };

  it("what kernels would detect: torch major.minor, its ABI and build CUDA, the GPU's capability", () => {
    expect(kernelSystemOf(device)).toEqual({
      torch: "2.11",
      cxx11Abi: false,
      cuda: "13.0",
      cpu: "x86_64",
      os: "linux",
      computeCapability: "9.0",
    });
  });

  it("no capability without a GPU, nothing without torch", () => {
    expect(kernelSystemOf({ ...device, cuda: null })).not.toHaveProperty("computeCapability");
    expect(kernelSystemOf({ ...device, torch: null })).toBeUndefined();
  });
});

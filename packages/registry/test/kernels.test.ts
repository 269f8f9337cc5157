import { type KernelSystem, parseKernelVariant, resolveKernelVariant } from "@aotihub/registry";
import { describe, expect, it } from "vitest";

const linux = (over: Partial<KernelSystem> = {}): KernelSystem => ({
  torch: "2.10",
  cxx11Abi: true,
  cuda: "12.8",
  cpu: "x86_64",
  os: "linux",
  ...over,
});

// The cases of huggingface/kernels' own tests (kernels/tests/test_variants.py), each run with
// untagged and cxx11-tagged Linux variants as upstream does.
describe.each(["", "-cxx11"])("kernels' resolution, Linux variants tagged %j", (abi) => {
  const all = [
    `torch210${abi}-cu128-x86_64-linux`,
    `torch210${abi}-cu126-x86_64-linux`,
    `torch210${abi}-cu130-x86_64-linux`,
    `torch210${abi}-rocm70-x86_64-linux`,
    `torch210${abi}-cpu-x86_64-linux`,
    "torch210-cpu-aarch64-darwin",
    "torch210-metal-aarch64-darwin",
    "torch-cuda",
    "torch-cpu",
  ];
  it.each([
    ["CUDA 12.8 -> cu128", linux(), `torch210${abi}-cu128-x86_64-linux`],
    ["CUDA 12.9 -> highest minor <= 12.9", linux({ cuda: "12.9" }), `torch210${abi}-cu128-x86_64-linux`],
    ["CUDA 12.5 -> older than every build: noarch", linux({ cuda: "12.5" }), "torch-cuda"],
    ["CUDA 11.8 -> other major: noarch", linux({ cuda: "11.8" }), "torch-cuda"],
    ["CPU on Linux", linux({ cuda: null }), `torch210${abi}-cpu-x86_64-linux`],
    ["CPU on macOS", linux({ cuda: null, cpu: "aarch64", os: "darwin" }), "torch210-cpu-aarch64-darwin"],
    ["aarch64 Linux with CUDA -> noarch", linux({ cpu: "aarch64" }), "torch-cuda"],
  ])("%s", (_name, system, expected) => {
    const { variant, trace } = resolveKernelVariant(all, system);
    expect(variant).toBe(expected);
    expect(new Set(trace.map((t) => t.variant))).toEqual(new Set(all));
    // accepted first, like kernels' sorted trace
    const firstRejected = trace.findIndex((t) => !t.ok);
    expect(trace.slice(firstRejected === -1 ? trace.length : firstRejected).every((t) => !t.ok)).toBe(true);
  });

  it("no match: torch 2.9 finds nothing for torch 2.10 builds and no noarch cpu on CUDA", () => {
    const { variant } = resolveKernelVariant([`torch210${abi}-cu128-x86_64-linux`], linux({ torch: "2.9" }));
    expect(variant).toBeNull();
  });

  it("universal is a last resort and matches any backend", () => {
    const variants = [`torch210${abi}-cu128-x86_64-linux`, "torch-universal"];
    expect(resolveKernelVariant(variants, linux()).variant).toBe(variants[0]);
    expect(resolveKernelVariant(variants, linux({ torch: "2.9" })).variant).toBe("torch-universal");
    expect(resolveKernelVariant(variants, linux({ torch: "2.9", cuda: null })).variant).toBe(
      "torch-universal",
    );
  });

  it("no compatible CUDA without noarch -> null (12.5 and 11.8)", () => {
    const variants = ["cu126", "cu128", "cu130"].map((cu) => `torch210${abi}-${cu}-x86_64-linux`);
    expect(resolveKernelVariant(variants, linux({ cuda: "12.5" })).variant).toBeNull();
    expect(resolveKernelVariant(variants, linux({ cuda: "11.8" })).variant).toBeNull();
  });

  it.each([
    ["2.11", "torch-stable-abi211-cu128-x86_64-linux"], // stable ABI == torch
    ["2.12", "torch-stable-abi211-cu128-x86_64-linux"], // stable ABI < torch
    ["2.10", `torch210${abi}-cu128-x86_64-linux`], // stable ABI too new
  ])("stable ABI 2.11 on torch %s -> %s", (torch, expected) => {
    const variants = [
      "torch-stable-abi211-cu128-x86_64-linux",
      `torch210${abi}-cu128-x86_64-linux`,
      "torch-cuda",
    ];
    expect(resolveKernelVariant(variants, linux({ torch })).variant).toBe(expected);
  });

  it("prefers stable ABI over a torch build of the same version", () => {
    const variants = ["torch-stable-abi211-cu128-x86_64-linux", `torch211${abi}-cu128-x86_64-linux`];
    expect(resolveKernelVariant([...variants].reverse(), linux({ torch: "2.11" })).variant).toBe(variants[0]);
  });
});

describe("kernels' order and reasons", () => {
  it("prefers the newest stable ABI", () => {
    const variants = ["torch-stable-abi29-cu128-x86_64-linux", "torch-stable-abi211-cu128-x86_64-linux"];
    expect(resolveKernelVariant(variants, linux({ torch: "2.12" })).variant).toBe(variants[1]);
  });

  it("prefers untagged over ABI-tagged, rejects cxx98 on a cxx11 torch with kernels' reason", () => {
    const { trace } = resolveKernelVariant(
      [
        "torch210-cxx98-cu128-x86_64-linux",
        "torch210-cxx11-cu128-x86_64-linux",
        "torch210-cu128-x86_64-linux",
      ],
      linux(),
    );
    expect(trace).toEqual([
      { variant: "torch210-cu128-x86_64-linux", ok: true, reasons: [] },
      { variant: "torch210-cxx11-cu128-x86_64-linux", ok: true, reasons: [] },
      {
        variant: "torch210-cxx98-cu128-x86_64-linux",
        ok: false,
        reasons: ["Torch CXX11 ABI (False) does not match environment Torch CXX11 ABI (True)"],
      },
    ]);
  });

  it("prefers a backend-specific noarch over universal", () => {
    expect(resolveKernelVariant(["torch-universal", "torch-cuda"], linux({ torch: "2.9" })).variant).toBe(
      "torch-cuda",
    );
  });

  it("orders stable ABI > torch arch > tvm-ffi > noarch > universal, higher CUDA minor first", () => {
    const variants = [
      "torch-universal",
      "torch-cuda",
      "tvm-ffi01-cu128-x86_64-linux",
      "torch210-cxx11-cu126-x86_64-linux",
      "torch210-cxx11-cu128-x86_64-linux",
      "torch-stable-abi29-cu126-x86_64-linux",
    ];
    const { trace } = resolveKernelVariant(variants, linux({ tvmFfi: "0.1" }));
    expect(trace.map((t) => t.variant)).toEqual([
      "torch-stable-abi29-cu126-x86_64-linux",
      "torch210-cxx11-cu128-x86_64-linux",
      "torch210-cxx11-cu126-x86_64-linux",
      "tvm-ffi01-cu128-x86_64-linux",
      "torch-cuda",
      "torch-universal",
    ]);
    expect(trace.every((t) => t.ok)).toBe(true);
  });

  it.each([
    ["torch210-cxx11-cu128-aarch64-linux", linux(), "CPU (aarch64) does not match system CPU (x86_64)"],
    [
      "torch210-cpu-aarch64-darwin",
      linux({ cpu: "aarch64" }),
      "OS (darwin) does not match system OS (linux)",
    ],
    [
      "torch29-cxx11-cu128-x86_64-linux",
      linux(),
      "Torch version (2.9) does not match environment Torch version (2.10)",
    ],
    [
      "torch-stable-abi211-cu128-x86_64-linux",
      linux(),
      "Torch stable ABI version (2.11) is too new for environment Torch version (2.10)",
    ],
    [
      "tvm-ffi01-cu128-x86_64-linux",
      linux(),
      "tvm-ffi version (0.1) does not match environment tvm-ffi version (None)",
    ],
    [
      "torch210-cxx11-cu130-x86_64-linux",
      linux(),
      "CUDA version (13.0) is not compatible with system CUDA version (12.8)",
    ],
    [
      "torch210-cxx11-rocm70-x86_64-linux",
      linux(),
      "backend (rocm70) does not match selected backend (cu128)",
    ],
    ["torch-metal", linux(), "backend (metal) does not match system backend (cuda) and is not universal"],
    [
      "torch210-cxx11-cu128-x86_64-linux",
      linux({ cuda: null }),
      "backend (cu128) does not match selected backend (cpu)",
    ],
  ])("%s is rejected with kernels' words", (variant, system, reason) => {
    expect(resolveKernelVariant([variant], system).trace).toEqual([
      { variant, ok: false, reasons: [reason] },
    ]);
  });

  it("skips names kernels cannot parse, listing them last", () => {
    const { variant, trace } = resolveKernelVariant(
      ["torch2-cu128-x86_64-linux", "torch-cuda", "cuda-only"],
      linux(),
    );
    expect(variant).toBe("torch-cuda");
    expect(trace.slice(1)).toEqual([
      {
        variant: "torch2-cu128-x86_64-linux",
        ok: false,
        reasons: ["not a valid build variant (Invalid Torch variant string: 'torch2'); kernels skips it"],
      },
      {
        variant: "cuda-only",
        ok: false,
        reasons: [
          "not a valid build variant (Unknown framework in variant string: 'cuda-only'); kernels skips it",
        ],
      },
    ]);
  });
});

describe("variant grammar (docs/architecture.md 2.6 examples)", () => {
  it.each([
    ["torch28-cxx11-cu128-x86_64-linux", { kind: "arch", cpu: "x86_64", os: "linux" }],
    [
      "torch-stable-abi29-cu128-x86_64-linux",
      { kind: "arch", framework: { kind: "torch-stable-abi", major: 2, minor: 9 } },
    ],
    [
      "torch210-cu130-aarch64-linux",
      { kind: "arch", framework: { kind: "torch", major: 2, minor: 10, cxx11Abi: null } },
    ],
    [
      "torch28-cxx98-cu126-x86_64-linux",
      { framework: { kind: "torch", major: 2, minor: 8, cxx11Abi: false } },
    ],
    ["torch29-metal-aarch64-darwin", { backend: { name: "metal", variantStr: "metal" } }],
    ["tvm-ffi01-cu128-x86_64-linux", { framework: { kind: "tvm-ffi", major: 0, minor: 1 } }],
    [
      "torch28-cxx11-rocm64-x86_64-linux",
      { backend: { name: "rocm", major: 6, minor: 4, variantStr: "rocm64" } },
    ],
    [
      "torch29-cxx11-xpu20252-x86_64-linux",
      { backend: { name: "xpu", major: 2025, minor: 2, variantStr: "xpu20252" } },
    ],
    ["torch-cuda", { kind: "noarch", backendName: "cuda" }],
    ["torch-universal", { kind: "noarch", backendName: "universal" }],
  ])("%s", (name, shape) => {
    expect(parseKernelVariant(name)).toMatchObject({ name, ...shape });
  });

  it("reads cuXY with the last digit as the minor, as kernels' regex does", () => {
    expect(parseKernelVariant("torch28-cxx11-cu128-x86_64-linux")).toMatchObject({
      backend: { name: "cuda", major: 12, minor: 8 },
    });
    expect(parseKernelVariant("torch29-cxx11-cu130-x86_64-linux")).toMatchObject({
      backend: { name: "cuda", major: 13, minor: 0 },
    });
  });
});

describe("archs: the compute-capability check kernels lacks (FA3 as shipped: 8.0 and 9.0a, no PTX)", () => {
  const fa3 = "torch28-cxx11-cu128-x86_64-linux";
  const archs = { [fa3]: ["8.0", "9.0a"] };
  const system = (computeCapability: string) => linux({ torch: "2.8", computeCapability });

  it.each(["8.0", "8.6", "8.9", "9.0"])("accepted on %s", (capability) => {
    expect(resolveKernelVariant([fa3], system(capability), archs).variant).toBe(fa3);
  });

  it.each(["10.0", "12.0"])("rejected on %s, naming the capability", (capability) => {
    const { variant, trace } = resolveKernelVariant([fa3, "torch-universal"], system(capability), archs);
    expect(variant).toBe("torch-universal");
    const rejected = trace.find((t) => t.variant === fa3)!;
    expect(rejected.ok).toBe(false);
    expect(rejected.reasons[0]).toContain(
      `built for sm_80 (runs on compute capability 8.0 or a later 8.x) and sm_90a (runs only on compute capability 9.0), with no PTX; this GPU is ${capability}`,
    );
  });

  it.each([
    [["9.0+PTX"], "12.0", true],
    [["9.0+PTX"], "8.9", false],
    [["10.0f"], "10.3", true],
    [["10.0a"], "10.3", false],
  ])("archs %j on %s -> %s", (list, capability, ok) => {
    expect(resolveKernelVariant([fa3], system(capability), { [fa3]: list }).variant).toBe(ok ? fa3 : null);
  });

  it("without archs or without a capability, it decides exactly as kernels does", () => {
    expect(resolveKernelVariant([fa3], system("12.0")).variant).toBe(fa3);
    expect(resolveKernelVariant([fa3], linux({ torch: "2.8" }), archs).variant).toBe(fa3);
  });
});

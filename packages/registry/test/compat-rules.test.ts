import {
  checkArchitecture,
  checkCpuIsa,
  checkCudaDriver,
  checkPlatform,
  checkProfileRequirements,
  checkTorch,
  evaluateArtifact,
} from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { cpuArtifact, cpuDevice, cudaArtifact, gpuDevice } from "./support/builders.js";

describe("rule: os and machine", () => {
  it.each([
    ["linux", "x86_64", "linux", "x86_64", true],
    ["linux", "x86_64", "linux", "x64", true], // Node's spelling
    ["darwin", "arm64", "darwin", "aarch64", true], // macOS's spelling of the same machine
    ["win32", "AMD64", "windows", "x86_64", true], // Python's sys.platform and Windows' machine
    ["linux", "x86_64", "linux", "aarch64", false],
    ["linux", "x86_64", "darwin", "x86_64", false],
  ])("artifact %s/%s on device %s/%s -> ok=%s", (os, machine, deviceOs, deviceMachine, ok) => {
    const reasons = checkPlatform(
      cudaArtifact("a.pt2", { os, machine }),
      gpuDevice({}, { os: deviceOs, machine: deviceMachine }),
    );
    expect(reasons.length === 0).toBe(ok);
    if (!ok)
      expect(reasons[0]).toMatch(/^built for .+; this machine is .+ \(use an artifact built for .+\)$/);
  });
});

describe("rule: architecture by CUDA binary compatibility", () => {
  it.each([
    // sass, ptx, device capability, runs, via
    [["9.0"], null, "9.0", true, "sass"],
    [["8.0"], null, "8.6", true, "sass"], // X.Y runs on X.Z, Z >= Y
    [["8.0"], null, "8.9", true, "sass"],
    [["8.6"], null, "8.0", false, null], // not on a lower minor
    [["8.0"], null, "9.0", false, null], // not across majors
    [["9.0a"], null, "9.0", true, "sass"], // X.Ya exactly
    [["9.0a"], null, "9.1", false, null],
    [["10.0a"], null, "10.3", false, null],
    [["10.0f"], null, "10.3", true, "sass"], // X.Yf on the same family, Z >= Y
    [["10.3f"], null, "10.0", false, null],
    [["10.0f"], null, "12.0", false, null],
    [["8.0"], "8.0", "12.0", true, "ptx"], // PTX JIT to anything newer
    [["8.0"], "8.0", "9.0", true, "ptx"],
    [[], "9.0", "8.9", false, null], // never to anything older
    [[], "8.9", "8.9", true, "ptx"],
  ] as const)("sass %j ptx %s on %s -> %s", (sass, ptx, capability, runs, via) => {
    const result = checkArchitecture(
      cudaArtifact("a.pt2", { sass: [...sass], ptx }).target as never,
      gpuDevice({ computeCapability: capability }),
    );
    expect(result.match?.via ?? null).toBe(via);
    expect(result.reasons.length === 0).toBe(runs);
  });

  it("says what the code was built for, where it runs and what this GPU is", () => {
    const { reasons } = checkArchitecture(
      cudaArtifact("a.pt2", { sass: ["9.0a"] }).target as never,
      gpuDevice({ computeCapability: "8.9" }),
    );
    expect(reasons[0]).toContain("built for sm_90a (runs only on compute capability 9.0); this GPU is 8.9");
  });

  it("ranks exact SASS before a lower minor before PTX", () => {
    const device = gpuDevice({ computeCapability: "8.9" });
    const exact = checkArchitecture(cudaArtifact("a", { sass: ["8.9"] }).target as never, device).match;
    const lower = checkArchitecture(
      cudaArtifact("b", { sass: ["8.0", "8.6"] }).target as never,
      device,
    ).match;
    const ptx = checkArchitecture(
      cudaArtifact("c", { sass: ["7.5"], ptx: "7.5" }).target as never,
      device,
    ).match;
    expect(exact).toEqual({ via: "sass", tier: 0, distance: 0 });
    expect(lower).toEqual({ via: "sass", tier: 1, distance: 3 }); // the nearest lower minor, 8.6
    expect(ptx).toEqual({ via: "ptx", tier: 2, distance: 104 });
  });

  it("rejects every CUDA build on a device without a GPU, saying so", () => {
    const { reasons } = checkArchitecture(cudaArtifact("a").target as never, cpuDevice());
    expect(reasons).toEqual([expect.stringContaining("this device has no CUDA GPU")]);
  });
});

describe("rule: CUDA driver vs the artifact's CUDA", () => {
  it.each([
    // artifact cuda, driver, how it runs, ok
    ["13.0", "13.0", "sass", true],
    ["12.8", "13.0", "sass", true], // newer driver runs older builds
    ["12.8", "12.4", "sass", true], // minor-version compatibility: same major
    ["13.0", "12.8", "sass", false], // not across majors
    ["12.8", "12.4", "ptx", false], // PTX JIT needs a driver that knows the PTX
    ["12.8", "12.8", "ptx", true],
    ["12.8", "13.1", "ptx", true],
  ] as const)("built with %s, driver %s, via %s -> %s", (cuda, driver, via, ok) => {
    const reasons = checkCudaDriver(
      cudaArtifact("a", { cuda }).target as never,
      gpuDevice({ driverVersion: driver }),
      { via, tier: via === "ptx" ? 2 : 0, distance: 0 },
    );
    expect(reasons.length === 0).toBe(ok);
    if (!ok) {
      expect(reasons[0]).toContain(`this driver supports CUDA ${driver}`);
      expect(reasons[0]).toContain("update the NVIDIA driver");
    }
  });
});

describe("rule: torch range, local suffix ignored", () => {
  it.each([
    ["2.11.0+cu130", ">=2.11.0 <2.12.0", true],
    ["2.11.3", ">=2.11.0 <2.12.0", true],
    ["2.12.0+cu130", ">=2.11.0 <2.12.0", false],
    ["2.10.1", ">=2.11.0 <2.12.0", false],
    ["2.13.0a0+gitabc", "~2.13.0", true], // source builds: the release number counts
    ["2.13.0.dev20260101+cpu", ">=2.13.0 <2.14.0", true],
  ])("torch %s with range %s -> %s", (version, torch, ok) => {
    const reasons = checkTorch(
      cpuArtifact("a", { torch }),
      cpuDevice({ torch: { version, cuda: null, cxx11Abi: true } }),
    );
    expect(reasons.length === 0).toBe(ok);
    if (!ok) expect(reasons[0]).toContain(`needs torch ${torch}; this machine has torch ${version}`);
  });

  it("rejects a CUDA build on a CPU-only torch, and a machine without torch", () => {
    const cpuTorch = gpuDevice({}, { torch: { version: "2.11.0+cpu", cuda: null, cxx11Abi: true } });
    expect(checkTorch(cudaArtifact("a"), cpuTorch)).toEqual([
      expect.stringContaining("needs a CUDA build of torch"),
    ]);
    expect(checkTorch(cudaArtifact("a"), gpuDevice({}, { torch: null }))).toEqual([
      expect.stringContaining("no torch was found"),
    ]);
  });
});

describe("rule: profile requirements", () => {
  const fp8 = { weights: "fp8", requires: { computeCapability: ">=8.9" } };
  it.each([
    ["8.0", false],
    ["8.6", false],
    ["8.9", true],
    ["9.0", true],
    ["12.0", true],
  ])("fp8 (>=8.9) on %s -> %s", (capability, ok) => {
    const reasons = checkProfileRequirements(
      cudaArtifact("a", {}, { profile: "fp8" }),
      fp8,
      gpuDevice({ computeCapability: capability }),
    );
    expect(reasons.length === 0).toBe(ok);
    if (!ok) {
      expect(reasons[0]).toBe(
        `profile "fp8" needs compute capability >=8.9; this GPU is ${capability} (choose another profile for this GPU)`,
      );
    }
  });
});

describe("rule: CPU ISA", () => {
  it.each([
    [["AVX2"], ["AVX2"], true],
    [["AVX2"], ["avx2", "AVX512"], true], // case-insensitive
    [["AVX512", "AVX512_VNNI"], ["AVX2"], false],
    [["AVX512", "AVX512_VNNI"], ["AVX2", "AVX512"], false],
    [[], ["AVX2"], true],
    [["INVALID_VEC_ISA"], [], true], // torch found no vector ISA: the code needs none
  ])("artifact %j on CPU %j -> %s", (cpuIsa, deviceIsa, ok) => {
    const reasons = checkCpuIsa(
      cpuArtifact("a", { cpuIsa }).target as never,
      cpuDevice({ cpuIsa: deviceIsa }),
    );
    expect(reasons.length === 0).toBe(ok);
    if (!ok) expect(reasons[0]).toMatch(/^built for CPU ISA .+; this CPU lacks .+ \(it has .+\)/);
  });

  it("refuses an ISA-specific build when the CPU's ISA is unknown", () => {
    expect(checkCpuIsa(cpuArtifact("a").target as never, cpuDevice({ cpuIsa: undefined }))).toEqual([
      expect.stringContaining("this CPU's ISA is unknown"),
    ]);
  });
});

describe("evaluateArtifact", () => {
  it("collects every failing rule, not just the first", () => {
    const artifact = cudaArtifact(
      "a",
      { sass: ["9.0a"], os: "windows", cuda: "13.0", torch: ">=2.12.0" },
      { profile: "fp8" },
    );
    const result = evaluateArtifact(
      artifact,
      { weights: "fp8", requires: { computeCapability: ">=8.9" } },
      gpuDevice({ computeCapability: "8.6" }),
      "cuda",
    );
    expect(result.ok).toBe(false);
    expect(result.reasons).toHaveLength(4); // platform, architecture, profile, torch
  });

  it("keeps CPU and CUDA builds apart by accelerator", () => {
    const cpu = evaluateArtifact(cpuArtifact("a"), { weights: "bf16" }, gpuDevice(), "cuda");
    expect(cpu.reasons).toEqual([expect.stringContaining("built for CPU; CUDA artifacts were asked for")]);
    const cuda = evaluateArtifact(cudaArtifact("b"), { weights: "bf16" }, cpuDevice(), "cpu");
    expect(cuda.reasons).toEqual([
      expect.stringContaining("built for CUDA GPUs; CPU artifacts were asked for"),
    ]);
  });
});

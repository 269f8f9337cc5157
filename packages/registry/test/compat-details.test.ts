import { checkCpuIsa, checkCudaDriver, type DeviceProfile, resolveArtifacts } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { cpuArtifact, cpuDevice, cudaArtifact, gpuDevice, manifestOf } from "./support/builders.js";

// What mutation testing (docs/testing.md) showed the compat tables left open: the exact rejection
// texts for CPU ISA and the driver, ISA names in any case, torch's "no vector ISA" marker, the
// ranking by ISA count, and the branches that must return no reason.

const cpuTarget = (cpuIsa: string[]) =>
  cpuArtifact("x.pt2", { cpuIsa }).target as Extract<
    ReturnType<typeof cpuArtifact>["target"],
    { device: "cpu" }
  >;
const cudaTarget = (cuda: string) =>
  cudaArtifact("x.pt2", { cuda }).target as Extract<
    ReturnType<typeof cudaArtifact>["target"],
    { device: "cuda" }
  >;

describe("checkCpuIsa, word for word", () => {
  it("needs nothing for an empty list or torch's INVALID_VEC_ISA, whatever the CPU", () => {
    const unknown: DeviceProfile = { ...cpuDevice(), cpuIsa: undefined };
    expect(checkCpuIsa(cpuTarget([]), unknown)).toEqual([]);
    expect(checkCpuIsa(cpuTarget(["", "INVALID_VEC_ISA"]), unknown)).toEqual([]);
    expect(checkCpuIsa(cpuTarget(["invalid_vec_isa"]), cpuDevice({ cpuIsa: [] }))).toEqual([]);
  });

  it("compares names in any case, and lists what is missing and what the CPU has", () => {
    expect(checkCpuIsa(cpuTarget(["avx2"]), cpuDevice({ cpuIsa: ["AVX2"] }))).toEqual([]);
    expect(
      checkCpuIsa(cpuTarget(["AVX512", "avx512_vnni", "AVX2"]), cpuDevice({ cpuIsa: ["avx2"] })),
    ).toEqual([
      "built for CPU ISA AVX512 AVX512_VNNI AVX2; this CPU lacks AVX512 AVX512_VNNI (it has AVX2): pick a build for AVX2",
    ]);
    expect(checkCpuIsa(cpuTarget(["AVX2"]), cpuDevice({ cpuIsa: [] }))).toEqual([
      "built for CPU ISA AVX2; this CPU lacks AVX2 (it has no vector ISA): pick a build for no vector ISA",
    ]);
  });

  it("says when the device does not say its ISA", () => {
    expect(checkCpuIsa(cpuTarget(["AVX2"]), { ...cpuDevice(), cpuIsa: undefined })).toEqual([
      "built for CPU ISA AVX2; this CPU's ISA is unknown (give cpuIsa in the device profile)",
    ]);
  });

  it("ranks the build with more ISA extensions first; INVALID_VEC_ISA counts as none", () => {
    const manifest = manifestOf([
      cpuArtifact("a-generic.pt2", { cpuIsa: ["INVALID_VEC_ISA"] }),
      cpuArtifact("b-avx2.pt2", { cpuIsa: ["AVX2"] }),
      cpuArtifact("c-avx512.pt2", { cpuIsa: ["AVX2", "AVX512"] }),
      cpuArtifact("d-empty.pt2", { cpuIsa: ["", "AVX2"] }),
    ]);
    const device = cpuDevice({ cpuIsa: ["AVX2", "AVX512"] });
    expect(
      resolveArtifacts(manifest, device).buckets["1024"]!.candidates.map((c) => c.artifact.path),
    ).toEqual(["c-avx512.pt2", "b-avx2.pt2", "d-empty.pt2", "a-generic.pt2"]);
  });
});

describe("checkCudaDriver, word for word", () => {
  const sass = { via: "sass" } as Parameters<typeof checkCudaDriver>[2];
  const ptx = { via: "ptx" } as Parameters<typeof checkCudaDriver>[2];

  it("has nothing to say without a GPU, or when a version is not dotted numbers", () => {
    expect(checkCudaDriver(cudaTarget("13.0"), cpuDevice(), sass)).toEqual([]);
    expect(checkCudaDriver(cudaTarget("13.0"), { ...cpuDevice(), cuda: undefined }, ptx)).toEqual([]);
    expect(checkCudaDriver(cudaTarget("thirteen"), gpuDevice({ driverVersion: "12.0" }), ptx)).toEqual([]);
    expect(checkCudaDriver(cudaTarget("13.0"), gpuDevice({ driverVersion: "r570" }), ptx)).toEqual([]);
  });

  it("accepts a driver at least as new, with versions of different lengths and spaces", () => {
    expect(checkCudaDriver(cudaTarget("12.8"), gpuDevice({ driverVersion: " 12.8.0 " }), ptx)).toEqual([]);
    expect(checkCudaDriver(cudaTarget("12.8.1"), gpuDevice({ driverVersion: "12.9" }), ptx)).toEqual([]);
  });

  it("SASS runs on an older driver of the same major; PTX does not; another major never", () => {
    expect(checkCudaDriver(cudaTarget("13.1"), gpuDevice({ driverVersion: "13.0" }), sass)).toEqual([]);
    expect(checkCudaDriver(cudaTarget("13.1"), gpuDevice({ driverVersion: "13.0" }), ptx)).toEqual([
      "runs here only through PTX JIT, which needs a driver for CUDA 13.1 or later; this driver supports CUDA 13.0 (update the NVIDIA driver to one that supports CUDA 13.1 or later, or pick an artifact built with CUDA 13.x)",
    ]);
    expect(checkCudaDriver(cudaTarget("13.0"), gpuDevice({ driverVersion: "12.8" }), sass)).toEqual([
      "built with CUDA 13.0; this driver supports CUDA 12.8, and minor-version compatibility covers only CUDA 12.x (update the NVIDIA driver to one that supports CUDA 13.0 or later, or pick an artifact built with CUDA 12.x)",
    ]);
    expect(checkCudaDriver(cudaTarget("12.8.1"), gpuDevice({ driverVersion: "12.8" }), ptx)).toHaveLength(1);
  });
});

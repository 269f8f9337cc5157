import { describeDevice, describeResolution, resolveArtifacts } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { cpuArtifact, cpuDevice, manifestOf } from "./support/builders.js";

// Words of `aotihub resolve` that mutation testing (docs/testing.md) found unpinned.

describe("describeResolution and describeDevice", () => {
  it("a build with no vector ISA says so; a rejected one gives its reasons", () => {
    const manifest = manifestOf([
      cpuArtifact("cpu/generic.pt2", { cpuIsa: [] }),
      cpuArtifact("cpu/avx512.pt2", { cpuIsa: ["AVX512"] }),
    ]);
    const device = cpuDevice({ cpuIsa: ["AVX2"] });
    const lines = describeResolution(resolveArtifacts(manifest, device), device).split("\n");
    expect(lines.slice(2)).toEqual([
      '  bucket "1024": cpu/generic.pt2 [cpu no vector ISA, torch >=2.11.0 <2.12.0]',
      "    rejected cpu/avx512.pt2: built for CPU ISA AVX512; this CPU lacks AVX512 (it has AVX2): pick a build for AVX2",
    ]);
  });

  it("a profile that leaves cuda and torch out has no GPU and no torch", () => {
    expect(describeDevice({ os: "linux", machine: "aarch64" })).toBe("linux/aarch64, no CUDA GPU, no torch");
  });
});

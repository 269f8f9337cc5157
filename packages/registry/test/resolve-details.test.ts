import {
  describeDevice,
  describeResolution,
  NoCompatibleArtifactError,
  type Resolution,
  resolveArtifacts,
} from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { cpuArtifact, cpuDevice, cudaArtifact, gpuDevice, manifestOf } from "./support/builders.js";

// What mutation testing (docs/testing.md) showed the resolve tables left open: the order of
// buckets and of equally good candidates, the default accelerator, and every word of the texts a
// user reads (describeResolution, PROFILE_UNKNOWN, NO_COMPATIBLE_ARTIFACT).

const bucket = (name: string) => ({ bucket: { name, inputs: { x: [1, 8] } } });

describe("resolveArtifacts: order and defaults", () => {
  it("orders buckets by number, then by code unit when the numbers tie", () => {
    // names that are not array indexes: an object keeps those in insertion order, the sort's order
    const names = ["b10", "b01", "b2", "b1"];
    const manifest = manifestOf(names.map((n) => cpuArtifact(`cpu/${n}.pt2`, {}, bucket(n))));
    expect(Object.keys(resolveArtifacts(manifest, cpuDevice()).buckets)).toEqual(["b01", "b1", "b2", "b10"]);
  });

  it("breaks a tie between equally good candidates by path, whatever the manifest order", () => {
    const manifest = manifestOf(["c.pt2", "a.pt2", "b.pt2"].map((p) => cpuArtifact(p)));
    const resolved = resolveArtifacts(manifest, cpuDevice()).buckets["1024"]!;
    expect(resolved.chosen?.path).toBe("a.pt2");
    expect(resolved.candidates.map((c) => [c.artifact.path, c.ok])).toEqual([
      ["a.pt2", true],
      ["b.pt2", true],
      ["c.pt2", true],
    ]);
  });

  it("orders rejected candidates by path too, after the compatible ones", () => {
    const manifest = manifestOf([
      cpuArtifact("z-avx512.pt2", { cpuIsa: ["AVX512"] }),
      cpuArtifact("y-ok.pt2"),
      cpuArtifact("x-avx512.pt2", { cpuIsa: ["AVX512"] }),
    ]);
    const resolved = resolveArtifacts(manifest, cpuDevice()).buckets["1024"]!;
    expect(resolved.candidates.map((c) => [c.artifact.path, c.ok])).toEqual([
      ["y-ok.pt2", true],
      ["x-avx512.pt2", false],
      ["z-avx512.pt2", false],
    ]);
  });

  it("resolves for the CPU when the device has no GPU (null or absent), for CUDA when it has one", () => {
    const manifest = manifestOf([cpuArtifact("cpu.pt2"), cudaArtifact("gpu.pt2")]);
    expect(resolveArtifacts(manifest, cpuDevice()).accelerator).toBe("cpu");
    const { cuda: _absent, ...noCudaKey } = cpuDevice();
    expect(resolveArtifacts(manifest, noCudaKey).accelerator).toBe("cpu");
    const gpu = resolveArtifacts(manifest, gpuDevice());
    expect(gpu.accelerator).toBe("cuda");
    expect(gpu.buckets["1024"]!.chosen?.path).toBe("gpu.pt2");
  });
});

describe("AOTIHUB_PROFILE_UNKNOWN", () => {
  it("names every unknown profile, the known ones, what was asked and what to do", () => {
    const manifest = manifestOf([cpuArtifact("cpu.pt2")], {
      bf16: { weights: "bf16" },
      fp32: { weights: "fp32" },
    });
    expect(() => resolveArtifacts(manifest, cpuDevice(), { profile: ["fp8", "bf16", "int4"] })).toThrow(
      expect.objectContaining({
        code: "AOTIHUB_PROFILE_UNKNOWN",
        message: [
          'test-model has no profile "fp8", "int4"',
          '  expected: one of "bf16", "fp32"',
          "  received: fp8, bf16, int4",
          "  what to do: pick one of the profiles the manifest defines",
        ].join("\n"),
      }),
    );
  });

  it("says so when the manifest defines no profile at all", () => {
    const manifest = { ...manifestOf([]), profiles: {} };
    expect(() => resolveArtifacts(manifest, cpuDevice(), { profile: "fp32" })).toThrow(
      "  expected: one of (none: the manifest defines no profiles)",
    );
  });
});

describe("AOTIHUB_NO_COMPATIBLE_ARTIFACT", () => {
  it("lists the profiles tried, each table, and what to do; carries the device and the attempts", () => {
    const manifest = manifestOf(
      [
        cpuArtifact("a.pt2", { cpuIsa: ["AVX512"] }),
        cpuArtifact("b.pt2", { cpuIsa: ["AVX512"] }, { profile: "fp32" }),
      ],
      { bf16: { weights: "bf16" }, fp32: { weights: "fp32" } },
    );
    const device = cpuDevice();
    let error: NoCompatibleArtifactError | undefined;
    try {
      resolveArtifacts(manifest, device);
    } catch (e) {
      error = e as NoCompatibleArtifactError;
    }
    expect(error).toBeInstanceOf(NoCompatibleArtifactError);
    expect(error!.code).toBe("AOTIHUB_NO_COMPATIBLE_ARTIFACT");
    expect(error!.device).toBe(device);
    expect(error!.attempts.map((a) => a.profile)).toEqual(["bf16", "fp32"]);
    const [head, ...rest] = error!.message.split("\n");
    expect(head).toBe('No artifact of test-model can run on this device (profiles tried: "bf16", "fp32")');
    const tables = error!.attempts.map((a) => describeResolution(a, device)).join("\n");
    expect(rest.join("\n")).toBe(
      `${tables}\n  what to do: read the reasons above: update the driver or torch, choose another profile or accelerator, or ask the publisher for a build for this device`,
    );
  });

  it("says none when no profile was tried", () => {
    expect(new NoCompatibleArtifactError("m", cpuDevice(), []).message.split("\n")[0]).toBe(
      "No artifact of m can run on this device (profiles tried: none)",
    );
  });
});

describe("describeResolution and describeDevice, word for word", () => {
  it("a CPU choice, another compatible artifact, a rejected one", () => {
    const manifest = manifestOf([
      cpuArtifact("cpu/avx2.pt2"),
      cpuArtifact("cpu/generic.pt2", { cpuIsa: [] }),
      cpuArtifact("cpu/avx512.pt2", { cpuIsa: ["AVX512"] }),
    ]);
    const device = cpuDevice();
    const text = describeResolution(resolveArtifacts(manifest, device), device);
    const lines = text.split("\n");
    expect(lines[0]).toBe("device: linux/x86_64, CPU ISA AVX2, no CUDA GPU, torch 2.11.0+cpu");
    expect(lines[1]).toBe('profile "bf16" (cpu)');
    expect(lines[2]).toMatch(
      /^ {2}bucket "1024": cpu\/(avx2|generic)\.pt2 \[cpu (AVX2|no vector ISA), torch >=2\.11\.0 <2\.12\.0\]$/,
    );
    expect(lines.filter((l) => l.startsWith("    also compatible: cpu/"))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("    rejected cpu/avx512.pt2: "))).toHaveLength(1);
    expect(lines).toHaveLength(5);
  });

  it("a bucket with no compatible artifact, and a profile with no artifacts", () => {
    const manifest = manifestOf([cpuArtifact("cpu/avx512.pt2", { cpuIsa: ["AVX512"] }, bucket("8"))]);
    const device = cpuDevice();
    const failed = (() => {
      try {
        resolveArtifacts(manifest, device);
      } catch (e) {
        return (e as NoCompatibleArtifactError).attempts[0]!;
      }
      throw new Error("resolved");
    })();
    expect(describeResolution(failed, device).split("\n")[2]).toBe('  bucket "8": no compatible artifact');
    const empty: Resolution = { profile: "fp8", accelerator: "cuda", runtime: "libtorch", buckets: {} };
    expect(describeResolution(empty, device)).toBe(
      [
        "device: linux/x86_64, CPU ISA AVX2, no CUDA GPU, torch 2.11.0+cpu",
        'profile "fp8" (cuda)',
        "  no artifacts in this profile",
      ].join("\n"),
    );
  });

  it("a CUDA choice with PTX and an unparsed arch, on a GPU without a name", () => {
    const manifest = manifestOf([cudaArtifact("gpu.pt2", { sass: ["9.0", "sm_weird"], ptx: "9.0" })]);
    const device = gpuDevice();
    expect(describeResolution(resolveArtifacts(manifest, device), device).split("\n").slice(0, 3)).toEqual([
      "device: linux/x86_64, CPU ISA AVX2 AVX512, GPU (compute capability 9.0, driver CUDA 13.0), torch 2.11.0+cu130",
      'profile "bf16" (cuda)',
      '  bucket "1024": gpu.pt2 [sm_90 sm_weird PTX 9.0, CUDA 13.0, torch >=2.11.0 <2.12.0]',
    ]);
  });

  it("a device without CPU ISA, with an empty one, and without torch", () => {
    const { cpuIsa: _none, ...noIsa } = cpuDevice({ torch: null });
    expect(describeDevice(noIsa)).toBe("linux/x86_64, no CUDA GPU, no torch");
    expect(describeDevice(cpuDevice({ cpuIsa: [] }))).toBe(
      "linux/x86_64, CPU ISA none, no CUDA GPU, torch 2.11.0+cpu",
    );
    const { torch: _absent, ...noTorchKey } = cpuDevice();
    expect(describeDevice(noTorchKey)).toBe("linux/x86_64, CPU ISA AVX2, no CUDA GPU, no torch");
  });
});

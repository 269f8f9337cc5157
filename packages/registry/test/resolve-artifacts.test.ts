import {
  AotihubError,
  type Artifact,
  describeResolution,
  NoCompatibleArtifactError,
  resolveArtifacts,
} from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { cpuArtifact, cpuDevice, cudaArtifact, gpuDevice, manifestOf } from "./support/builders.js";

const paths = (artifacts: (Artifact | null)[]) => artifacts.map((a) => a?.path ?? null);

describe("resolveArtifacts: choice within a bucket", () => {
  const manifest = manifestOf([
    cudaArtifact("d-ptx", { sass: [], ptx: "8.0", cuda: "13.0" }),
    cudaArtifact("c-sm80", { sass: ["8.0"], cuda: "13.0" }),
    cudaArtifact("b-sm86-cu128", { sass: ["8.6"], cuda: "12.8" }),
    cudaArtifact("a-sm86-cu130", { sass: ["8.6"], cuda: "13.0" }),
    cudaArtifact("e-sm89", { sass: ["8.9"], cuda: "13.0" }),
    cudaArtifact("f-sm90a", { sass: ["9.0a"], cuda: "13.0" }),
  ]);

  it.each([
    // capability -> the order of compatible artifacts: exact SASS, nearest lower minor, PTX; newer CUDA first
    ["8.9", ["e-sm89", "a-sm86-cu130", "b-sm86-cu128", "c-sm80", "d-ptx"]],
    ["8.6", ["a-sm86-cu130", "b-sm86-cu128", "c-sm80", "d-ptx"]],
    ["9.0", ["f-sm90a", "d-ptx"]],
    ["12.0", ["d-ptx"]],
  ])("on %s", (capability, order) => {
    const resolution = resolveArtifacts(manifest, gpuDevice({ computeCapability: capability }));
    const bucket = resolution.buckets["1024"]!;
    expect(bucket.chosen?.path).toBe(order[0]);
    expect(paths(bucket.candidates.filter((c) => c.ok).map((c) => c.artifact))).toEqual(order);
    for (const rejected of bucket.candidates.filter((c) => !c.ok))
      expect(rejected.reasons.length).toBeGreaterThan(0);
  });

  it("breaks full ties by the lexicographically smallest path", () => {
    const tie = manifestOf([cudaArtifact("z.pt2"), cudaArtifact("m.pt2"), cudaArtifact("q.pt2")]);
    expect(resolveArtifacts(tie, gpuDevice()).buckets["1024"]!.chosen?.path).toBe("m.pt2");
  });

  it("lists rejected candidates after compatible ones, by path", () => {
    const bucket = resolveArtifacts(manifest, gpuDevice({ computeCapability: "9.0" })).buckets["1024"]!;
    expect(paths(bucket.candidates.map((c) => c.artifact))).toEqual([
      "f-sm90a",
      "d-ptx",
      "a-sm86-cu130",
      "b-sm86-cu128",
      "c-sm80",
      "e-sm89",
    ]);
  });
});

describe("resolveArtifacts: profiles, accelerator, availability", () => {
  const profiles = {
    fp8: { weights: "fp8", requires: { computeCapability: ">=8.9" } },
    bf16: { weights: "bf16" },
  };
  const bucket = (name: string) => ({ name, inputs: { x: [1, Number(name)] } });
  const manifest = manifestOf(
    [
      cudaArtifact("fp8/512", { sass: ["8.9"] }, { profile: "fp8", bucket: bucket("512") }),
      cudaArtifact("bf16/512", { sass: ["8.0"] }, { profile: "bf16", bucket: bucket("512") }),
      cudaArtifact("bf16/1024", { sass: ["9.0a"] }, { profile: "bf16", bucket: bucket("1024") }),
      cpuArtifact("cpu/512", {}, { profile: "bf16", bucket: bucket("512") }),
    ],
    profiles,
  );

  it("tries profiles in order: the first with any available bucket wins", () => {
    expect(
      resolveArtifacts(manifest, gpuDevice({ computeCapability: "8.9" }), { profile: ["fp8", "bf16"] })
        .profile,
    ).toBe("fp8");
    const onAmpere = resolveArtifacts(manifest, gpuDevice({ computeCapability: "8.6" }), {
      profile: ["fp8", "bf16"],
    });
    expect(onAmpere.profile).toBe("bf16");
    // a bucket with nothing compatible stays, with chosen null and its reasons
    expect(onAmpere.buckets["1024"]!.chosen).toBeNull();
    expect(onAmpere.buckets["1024"]!.candidates[0]!.reasons[0]).toContain("this GPU is 8.6");
    expect(onAmpere.buckets["512"]!.chosen?.path).toBe("bf16/512");
    expect(Object.keys(onAmpere.buckets)).toEqual(["512", "1024"]);
  });

  it("defaults to the manifest's profiles in the order it lists them", () => {
    expect(resolveArtifacts(manifest, gpuDevice({ computeCapability: "8.9" })).profile).toBe("fp8");
  });

  it("never silently falls back to CPU builds on a GPU machine", () => {
    const turing = gpuDevice({ computeCapability: "7.5" });
    expect(() => resolveArtifacts(manifest, turing)).toThrow(NoCompatibleArtifactError);
    const cpu = resolveArtifacts(manifest, turing, { accelerator: "cpu" });
    expect(cpu.accelerator).toBe("cpu");
    expect(cpu.buckets["512"]!.chosen?.path).toBe("cpu/512");
  });

  it("uses CPU builds on a machine without a GPU", () => {
    const resolution = resolveArtifacts(manifest, cpuDevice());
    expect(resolution).toMatchObject({ profile: "bf16", accelerator: "cpu" });
    expect(resolution.buckets["512"]!.chosen?.path).toBe("cpu/512");
  });

  it("throws NoCompatibleArtifactError with the device and every table when nothing runs", () => {
    const device = gpuDevice({ computeCapability: "7.5" });
    try {
      resolveArtifacts(manifest, device, { profile: ["fp8", "bf16"] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(NoCompatibleArtifactError);
      const e = error as NoCompatibleArtifactError;
      expect(e.code).toBe("AOTIHUB_NO_COMPATIBLE_ARTIFACT");
      expect(e.device).toBe(device);
      expect(e.attempts.map((a) => a.profile)).toEqual(["fp8", "bf16"]);
      expect(e.attempts[0]!.buckets["512"]!.candidates[0]!.reasons).toEqual([
        expect.stringContaining("built for sm_89"),
        'profile "fp8" needs compute capability >=8.9; this GPU is 7.5 (choose another profile for this GPU)',
      ]);
      expect(e.message).toContain("rejected fp8/512: built for sm_89");
    }
  });

  it("refuses an unknown profile with the ones that exist", () => {
    expect(() => resolveArtifacts(manifest, gpuDevice(), { profile: "int4" })).toThrow(AotihubError);
    expect(() => resolveArtifacts(manifest, gpuDevice(), { profile: "int4" })).toThrow(
      /expected: one of "fp8", "bf16"/,
    );
  });
});

describe("describeResolution", () => {
  it("renders the device, the choice per bucket and every rejection", () => {
    const manifest = manifestOf([
      cudaArtifact("a/sm90.pt2", { sass: ["9.0a"] }),
      cudaArtifact("a/sm80.pt2", { sass: ["8.0"] }),
    ]);
    const device = gpuDevice({ computeCapability: "8.9", name: "NVIDIA L4" });
    expect(describeResolution(resolveArtifacts(manifest, device), device)).toBe(
      [
        "device: linux/x86_64, CPU ISA AVX2 AVX512, NVIDIA L4 (compute capability 8.9, driver CUDA 13.0), torch 2.11.0+cu130",
        'profile "bf16" (cuda)',
        '  bucket "1024": a/sm80.pt2 [sm_80, CUDA 13.0, torch >=2.11.0 <2.12.0]',
        "    rejected a/sm90.pt2: built for sm_90a (runs only on compute capability 9.0); this GPU (NVIDIA L4) is 8.9 (this GPU needs a build for compute capability 8.9 or lower)",
      ].join("\n"),
    );
  });
});

import {
  type Artifact,
  artifactRuntime,
  type DeviceProfile,
  describeResolution,
  ManifestError,
  NoCompatibleArtifactError,
  parseManifest,
  type RuntimeKind,
  resolveArtifacts,
  TorchRequiredError,
} from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { cpuArtifact, cpuDevice, cudaArtifact, gpuDevice, manifestOf } from "./support/builders.js";

// Issue 13: an artifact's `runtime` ("libtorch", the default, or "standalone": no libtorch linked)
// and how the registry chooses between them: standalone where no torch is found or when asked,
// libtorch otherwise; a standalone build skips the torch checks and keeps every other one.

const standalone = { runtime: "standalone" as const };
const libtorchCpu = cpuArtifact("aoti/cpu-avx2-torch2.11/bf16/1024.pt2");
const standaloneCpu = cpuArtifact("aoti/cpu-avx2-standalone/bf16/1024.pt2", {}, standalone);
const both = manifestOf([standaloneCpu, libtorchCpu]);

/** The chosen path and runtime, and each rejected path with its reasons joined. */
function choice(artifacts: Artifact[], device: DeviceProfile, runtime?: RuntimeKind) {
  const resolution = resolveArtifacts(manifestOf(artifacts), device, runtime ? { runtime } : {});
  const bucket = resolution.buckets["1024"]!;
  return {
    runtime: resolution.runtime,
    chosen: bucket.chosen?.path ?? null,
    rejected: Object.fromEntries(
      bucket.candidates.filter((c) => !c.ok).map((c) => [c.artifact.path, c.reasons.join("; ")]),
    ),
  };
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected resolveArtifacts to throw");
}

describe("manifest: the runtime field", () => {
  const json = () => JSON.parse(JSON.stringify(both));

  it('reads "standalone", and an absent runtime as "libtorch" (manifests written before it existed)', () => {
    const manifest = parseManifest(json());
    expect(manifest.artifacts.map(artifactRuntime)).toEqual(["standalone", "libtorch"]);
    expect(manifest.artifacts[1]!.runtime).toBeUndefined();
    const explicit = json();
    explicit.artifacts[1].runtime = "libtorch";
    expect(parseManifest(explicit).artifacts.map(artifactRuntime)).toEqual(["standalone", "libtorch"]);
  });

  it.each([["onnx"], [""], [1], [null]])("refuses runtime %j with its JSON path", (value) => {
    const bad = json();
    bad.artifacts[0].runtime = value;
    const error = thrown(() => parseManifest(bad)) as ManifestError;
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.code).toBe("AOTIHUB_MANIFEST_INVALID");
    expect(error.problems).toEqual([
      {
        path: ["artifacts", 0, "runtime"],
        message: `expected runtime "libtorch" or "standalone" but received ${JSON.stringify(value)}`,
      },
    ]);
  });
});

describe("resolveArtifacts: which runtime a device gets", () => {
  const noTorch = cpuDevice({ torch: null });
  const { torch: _unknown, ...torchUnknown } = cpuDevice();
  const otherTorch = cpuDevice({ torch: { version: "2.13.0+cpu", cuda: null, cxx11Abi: true } });

  it.each([
    // device, runtime asked -> runtime resolved, chosen
    ["torch 2.11 (fits the libtorch build)", cpuDevice(), undefined, "libtorch", libtorchCpu.path],
    ["torch 2.11, standalone asked", cpuDevice(), "standalone", "standalone", standaloneCpu.path],
    ["torch 2.11, libtorch asked", cpuDevice(), "libtorch", "libtorch", libtorchCpu.path],
    ["no torch (null)", noTorch, undefined, "standalone", standaloneCpu.path],
    ["no torch (absent)", torchUnknown, undefined, "standalone", standaloneCpu.path],
    ["no torch, standalone asked", noTorch, "standalone", "standalone", standaloneCpu.path],
    ["torch 2.13 (the libtorch build needs 2.11)", otherTorch, undefined, "standalone", standaloneCpu.path],
  ] as const)("%s", (_what, device, asked, runtime, chosen) => {
    const result = choice([libtorchCpu, standaloneCpu], device, asked);
    expect(result.runtime).toBe(runtime);
    expect(result.chosen).toBe(chosen);
    // the other build is rejected, and why is said
    expect(Object.keys(result.rejected)).toEqual([
      chosen === libtorchCpu.path ? standaloneCpu.path : libtorchCpu.path,
    ]);
  });

  it.each([
    [
      "torch found: the standalone build is not used beside a fitting libtorch one",
      cpuDevice(),
      undefined,
      standaloneCpu.path,
      'built for the standalone runtime; this profile resolves to the libtorch runtime (torch 2.11.0+cpu was found, libtorch builds are preferred where torch is installed, and a process runs one runtime): ask for runtime "standalone" to use it',
    ],
    [
      "standalone asked",
      cpuDevice(),
      "standalone",
      libtorchCpu.path,
      "needs libtorch (torch >=2.11.0 <2.12.0); the standalone runtime was asked for (use a standalone build, or leave the runtime unset to allow libtorch builds where torch is installed)",
    ],
    [
      "libtorch asked",
      cpuDevice(),
      "libtorch",
      standaloneCpu.path,
      'built for the standalone runtime (no libtorch); the libtorch runtime was asked for (leave the runtime unset, or ask for "standalone", to allow it)',
    ],
    [
      "no torch",
      noTorch,
      undefined,
      libtorchCpu.path,
      "needs torch >=2.11.0 <2.12.0; no torch was found on this machine (install torch >=2.11.0 <2.12.0, or use a standalone build of this model, which needs no torch)",
    ],
    [
      "the wrong torch",
      otherTorch,
      undefined,
      libtorchCpu.path,
      "needs torch >=2.11.0 <2.12.0; this machine has torch 2.13.0+cpu (install a matching torch, or pick an artifact built for torch 2.13)",
    ],
  ] as const)("explains the rejection: %s", (_what, device, asked, path, reason) => {
    expect(choice([libtorchCpu, standaloneCpu], device, asked).rejected[path]).toBe(reason);
  });

  it("a profile resolves to one runtime: a bucket with only a standalone build waits when libtorch is chosen", () => {
    const onlyStandalone = cpuArtifact(
      "aoti/cpu-avx2-standalone/bf16/2048.pt2",
      {},
      {
        ...standalone,
        bucket: { name: "2048", inputs: { hidden_states: [1, 2048, 64] } },
      },
    );
    const resolution = resolveArtifacts(
      manifestOf([libtorchCpu, standaloneCpu, onlyStandalone]),
      cpuDevice(),
    );
    expect(resolution.runtime).toBe("libtorch");
    expect(resolution.buckets["1024"]!.chosen?.path).toBe(libtorchCpu.path);
    expect(resolution.buckets["2048"]!.chosen).toBeNull();
    expect(resolution.buckets["2048"]!.candidates[0]!.reasons[0]).toContain(
      "resolves to the libtorch runtime",
    );
    // asked for standalone, both buckets run
    const asked = resolveArtifacts(manifestOf([libtorchCpu, standaloneCpu, onlyStandalone]), cpuDevice(), {
      runtime: "standalone",
    });
    expect(Object.values(asked.buckets).map((b) => b.chosen?.path)).toEqual([
      standaloneCpu.path,
      onlyStandalone.path,
    ]);
  });

  it("a manifest with only standalone builds resolves to standalone even where torch is installed", () => {
    expect(choice([standaloneCpu], cpuDevice())).toEqual({
      runtime: "standalone",
      chosen: standaloneCpu.path,
      rejected: {},
    });
  });
});

describe("resolveArtifacts: preferRuntime (the runtime this process already runs)", () => {
  const prefer = (
    device: DeviceProfile,
    preferRuntime: RuntimeKind,
    artifacts = [libtorchCpu, standaloneCpu],
    runtime?: RuntimeKind,
  ) => {
    const resolution = resolveArtifacts(manifestOf(artifacts), device, {
      preferRuntime,
      ...(runtime && { runtime }),
    });
    const bucket = resolution.buckets["1024"]!;
    return {
      runtime: resolution.runtime,
      chosen: bucket.chosen?.path,
      reasons: bucket.candidates.flatMap((c) => c.reasons),
    };
  };

  it("wins over torch's preference where one of its builds fits, and says so", () => {
    expect(prefer(cpuDevice(), "standalone")).toEqual({
      runtime: "standalone",
      chosen: standaloneCpu.path,
      reasons: [
        'built for the libtorch runtime; this profile resolves to the standalone runtime (the runtime this process already runs models on, and a process runs one runtime): ask for runtime "libtorch" to use it',
      ],
    });
  });

  it.each([
    [
      "no build of it fits: the usual choice (the runtime then refuses the mix)",
      cpuDevice(),
      "standalone",
      [libtorchCpu],
      undefined,
      "libtorch",
    ],
    [
      "libtorch preferred, no torch: standalone",
      cpuDevice({ torch: null }),
      "libtorch",
      [libtorchCpu, standaloneCpu],
      undefined,
      "standalone",
    ],
    [
      "a runtime asked for wins over it",
      cpuDevice(),
      "standalone",
      [libtorchCpu, standaloneCpu],
      "libtorch",
      "libtorch",
    ],
  ] as const)("%s", (_what, device, preferRuntime, artifacts, runtime, resolved) => {
    expect(prefer(device, preferRuntime, [...artifacts], runtime).runtime).toBe(resolved);
  });
});

describe("resolveArtifacts: a standalone build skips the torch checks, keeps every other", () => {
  const noTorch = { torch: null };
  const cpuOnlyTorch = { torch: { version: "2.13.0+cpu", cuda: null, cxx11Abi: true } };
  const sa = (target: Partial<Extract<Artifact["target"], { device: "cuda" }>> = {}) =>
    cudaArtifact("aoti/cu130-sm90-standalone/bf16/1024.pt2", target, standalone);

  it.each([
    // device -> ok: torch absent, of another version, or a CPU-only build are all fine
    ["H100, no torch", gpuDevice({}, noTorch)],
    ["H100, CPU-only torch 2.13", gpuDevice({}, cpuOnlyTorch)],
    ["H100, torch 2.11+cu130", gpuDevice()],
  ])("a CUDA standalone build runs on %s", (_what, device) => {
    expect(choice([sa()], device)).toEqual({ runtime: "standalone", chosen: sa().path, rejected: {} });
  });

  it.each([
    [
      "compute capability",
      sa(),
      gpuDevice({ computeCapability: "8.6" }, noTorch),
      "built for sm_90 (runs on compute capability 9.0 or a later 9.x); this GPU is 8.6",
    ],
    [
      "CUDA driver",
      sa({ cuda: "13.0" }),
      gpuDevice({ driverVersion: "12.4" }, noTorch),
      "built with CUDA 13.0; this driver supports CUDA 12.4",
    ],
    ["no GPU", sa(), cpuDevice(noTorch), "accelerator"],
    [
      "OS",
      sa({ os: "windows" }),
      gpuDevice({}, noTorch),
      "built for windows/x86_64; this machine is linux/x86_64",
    ],
  ])("rejects a CUDA standalone build for its %s", (_what, artifact, device, reason) => {
    const accelerator = device.cuda ? undefined : "cuda";
    const error = thrown(() =>
      resolveArtifacts(manifestOf([artifact]), device, accelerator ? { accelerator } : {}),
    ) as NoCompatibleArtifactError;
    expect(error).toBeInstanceOf(NoCompatibleArtifactError);
    expect(error.code).toBe("AOTIHUB_NO_COMPATIBLE_ARTIFACT");
    const reasons = error.attempts[0]!.buckets["1024"]!.candidates[0]!.reasons.join("; ");
    expect(reasons).toContain(reason);
    expect(reasons).not.toContain("torch");
  });

  it("rejects a standalone build for the profile's compute capability requirement", () => {
    const fp8 = cudaArtifact(
      "aoti/cu130-sm80-standalone/fp8/1024.pt2",
      { sass: ["8.0"] },
      {
        ...standalone,
        profile: "fp8",
      },
    );
    const manifest = manifestOf([fp8], { fp8: { weights: "fp8", requires: { computeCapability: ">=8.9" } } });
    const error = thrown(() =>
      resolveArtifacts(manifest, gpuDevice({ computeCapability: "8.0" }, noTorch)),
    ) as NoCompatibleArtifactError;
    expect(error.code).toBe("AOTIHUB_NO_COMPATIBLE_ARTIFACT");
    expect(error.message).toContain('profile "fp8" needs compute capability >=8.9; this GPU is 8.0');
  });

  it("rejects a CPU standalone build for a missing ISA", () => {
    const avx512 = cpuArtifact(
      "aoti/cpu-avx512-standalone/bf16/1024.pt2",
      { cpuIsa: ["AVX512"] },
      standalone,
    );
    const error = thrown(() => resolveArtifacts(manifestOf([avx512]), cpuDevice(noTorch)));
    expect(error).toMatchObject({
      code: "AOTIHUB_NO_COMPATIBLE_ARTIFACT",
      message: expect.stringContaining("this CPU lacks AVX512"),
    });
  });
});

describe("resolveArtifacts: no torch and only libtorch builds fit", () => {
  it("AOTIHUB_TORCH_REQUIRED: says which torch would do and that a standalone build needs none", () => {
    const device = cpuDevice({ torch: null });
    const error = thrown(() => resolveArtifacts(manifestOf([libtorchCpu]), device)) as TorchRequiredError;
    expect(error).toBeInstanceOf(TorchRequiredError);
    // a special case of "no compatible artifact": code that catches that catches this too
    expect(error).toBeInstanceOf(NoCompatibleArtifactError);
    expect(error).toMatchObject({
      code: "AOTIHUB_TORCH_REQUIRED",
      torchRanges: [">=2.11.0 <2.12.0"],
      expected:
        "torch >=2.11.0 <2.12.0 (for the libtorch builds), or a standalone build of the model (runs with no torch)",
      received: "no torch on linux/x86_64, CPU ISA AVX2, no CUDA GPU, no torch",
    });
    expect(error.hint).toContain("install torch >=2.11.0 <2.12.0");
    expect(error.hint).toContain("standalone build");
    expect(error.attempts[0]!.buckets["1024"]!.candidates[0]!.reasons[0]).toContain("no torch was found");
  });

  it("AOTIHUB_TORCH_REQUIRED also when the libtorch runtime is asked for and no torch is found", () => {
    const error = thrown(() =>
      resolveArtifacts(both, cpuDevice({ torch: null }), { runtime: "libtorch" }),
    ) as TorchRequiredError;
    expect(error.code).toBe("AOTIHUB_TORCH_REQUIRED");
    expect(error.message).toContain("the libtorch runtime was asked for");
  });

  it.each([
    [
      "torch would not help: the CPU also lacks the ISA",
      [cpuArtifact("lt-avx512.pt2", { cpuIsa: ["AVX512"] })],
      undefined,
    ],
    ["standalone asked: the libtorch build is refused for that", [libtorchCpu], "standalone" as const],
    [
      "the standalone build is refused for its ISA, the libtorch one also for it",
      [
        cpuArtifact("sa-avx512.pt2", { cpuIsa: ["AVX512"] }, standalone),
        cpuArtifact("lt-avx512.pt2", { cpuIsa: ["AVX512"] }),
      ],
      undefined,
    ],
  ])("AOTIHUB_NO_COMPATIBLE_ARTIFACT, not TORCH_REQUIRED, when %s", (_what, artifacts, runtime) => {
    const error = thrown(() =>
      resolveArtifacts(manifestOf(artifacts), cpuDevice({ torch: null }), runtime ? { runtime } : {}),
    );
    expect(error).toBeInstanceOf(NoCompatibleArtifactError);
    expect(error).not.toBeInstanceOf(TorchRequiredError);
    expect(error).toMatchObject({ code: "AOTIHUB_NO_COMPATIBLE_ARTIFACT" });
  });
});

describe("describeResolution names the standalone runtime", () => {
  it("in the profile line and the chosen artifact's target", () => {
    const device = cpuDevice({ torch: null });
    expect(describeResolution(resolveArtifacts(both, device), device).split("\n")).toEqual([
      "device: linux/x86_64, CPU ISA AVX2, no CUDA GPU, no torch",
      'profile "bf16" (cpu, standalone runtime)',
      `  bucket "1024": ${standaloneCpu.path} [cpu AVX2, standalone (no libtorch)]`,
      `    rejected ${libtorchCpu.path}: needs torch >=2.11.0 <2.12.0; no torch was found on this machine (install torch >=2.11.0 <2.12.0, or use a standalone build of this model, which needs no torch)`,
    ]);
    const gpu = gpuDevice({}, { torch: null });
    const cuda = cudaArtifact("sa.pt2", {}, standalone);
    expect(describeResolution(resolveArtifacts(manifestOf([cuda]), gpu), gpu).split("\n")[2]).toBe(
      '  bucket "1024": sa.pt2 [sm_90, CUDA 13.0, standalone (no libtorch)]',
    );
  });
});

import type { Artifact, DeviceProfile, Manifest } from "@aotihub/registry";

/** A CUDA artifact with sensible defaults; override what a test is about. */
export function cudaArtifact(
  path: string,
  target: Partial<Extract<Artifact["target"], { device: "cuda" }>> = {},
  rest: Partial<Artifact> = {},
): Artifact {
  return {
    path,
    sha256: "a".repeat(64),
    size: 1000,
    profile: "bf16",
    bucket: { name: "1024", inputs: { hidden_states: [1, 1024, 64] } },
    target: {
      device: "cuda",
      sass: ["9.0"],
      ptx: null,
      cuda: "13.0",
      torch: ">=2.11.0 <2.12.0",
      os: "linux",
      machine: "x86_64",
      ...target,
    },
    kernels: [],
    ...rest,
  };
}

export function cpuArtifact(
  path: string,
  target: Partial<Extract<Artifact["target"], { device: "cpu" }>> = {},
  rest: Partial<Artifact> = {},
): Artifact {
  return {
    path,
    sha256: "b".repeat(64),
    size: 1000,
    profile: "bf16",
    bucket: { name: "1024", inputs: { hidden_states: [1, 1024, 64] } },
    target: {
      device: "cpu",
      cpuIsa: ["AVX2"],
      torch: ">=2.11.0 <2.12.0",
      os: "linux",
      machine: "x86_64",
      ...target,
    },
    kernels: [],
    ...rest,
  };
}

export function manifestOf(
  artifacts: Artifact[],
  profiles: Manifest["profiles"] = { bf16: { weights: "bf16" } },
): Manifest {
  const weights = Object.fromEntries(
    Object.values(profiles).map((p) => [p.weights, { files: [`weights/${p.weights}/model.safetensors`] }]),
  );
  return { format: "aotihub/1", name: "test-model", weights, profiles, artifacts };
}

/** An H100-like machine with torch 2.11+cu130; override what a test is about. */
export function gpuDevice(
  cuda: Partial<NonNullable<DeviceProfile["cuda"]>> = {},
  rest: Partial<DeviceProfile> = {},
): DeviceProfile {
  return {
    os: "linux",
    machine: "x86_64",
    cpuIsa: ["AVX2", "AVX512"],
    cuda: { computeCapability: "9.0", driverVersion: "13.0", ...cuda },
    torch: { version: "2.11.0+cu130", cuda: "13.0", cxx11Abi: true },
    ...rest,
  };
}

export function cpuDevice(rest: Partial<DeviceProfile> = {}): DeviceProfile {
  return {
    os: "linux",
    machine: "x86_64",
    cpuIsa: ["AVX2"],
    cuda: null,
    torch: { version: "2.11.0+cpu", cuda: null, cxx11Abi: true },
    ...rest,
  };
}

/** A manifest as raw JSON, for tests that break it on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: tests write wrong types into raw JSON on purpose
export type RawJson = any;

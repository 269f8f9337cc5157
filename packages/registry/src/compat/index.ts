export { type ArchitectureCheck, type ArchMatch, checkArchitecture } from "./check-architecture.js";
export { checkCpuIsa } from "./check-cpu-isa.js";
export { checkCudaDriver } from "./check-cuda-driver.js";
export { checkPlatform } from "./check-platform.js";
export { checkProfileRequirements } from "./check-profile-requirements.js";
export { checkRuntime, otherRuntimeReason, type RuntimePreference } from "./check-runtime.js";
export { checkTorch, torchReleaseVersion } from "./check-torch.js";
export {
  archName,
  archReach,
  type ComputeCapability,
  type CudaArch,
  parseCapability,
  parseCudaArch,
  ptxRunsOn,
  sassRunsOn,
} from "./cuda-arch.js";
export { type Accelerator, type ArtifactEvaluation, evaluateArtifact } from "./evaluate-artifact.js";

// Public surface of @aotihub/registry, as docs/api.md describes it, listed by name so that a new
// export is a decision made here (and shows in registry.api.md), not a side effect of a sub-barrel.

export {
  type Accelerator,
  type ArchitectureCheck,
  type ArchMatch,
  type ArtifactEvaluation,
  archName,
  archReach,
  type ComputeCapability,
  type CudaArch,
  checkArchitecture,
  checkCpuIsa,
  checkCudaDriver,
  checkPlatform,
  checkProfileRequirements,
  checkTorch,
  evaluateArtifact,
  parseCapability,
  parseCudaArch,
  ptxRunsOn,
  sassRunsOn,
  torchReleaseVersion,
} from "./compat/index.js";
export {
  type DeviceProfile,
  deviceProfileSchema,
  normalizeMachine,
  normalizeOs,
  parseDeviceProfile,
} from "./device/index.js";
export { AotihubError, type AotihubErrorDetails, isAotihubError } from "./errors/aotihub-error.js";
export {
  type AotihubErrorCode,
  ERROR_CODES,
  type ErrorCodeInfo,
  isAotihubErrorCode,
} from "./errors/error-codes.js";
export {
  InvalidKernelVariantError,
  type KernelBackend,
  type KernelFramework,
  type KernelSystem,
  type KernelVariant,
  type KernelVariantDecision,
  type KernelVariantResolution,
  kernelSystemOf,
  parseKernelVariant,
  resolveKernelVariant,
} from "./kernels/index.js";
export {
  type Alias,
  type AliasIndex,
  type Artifact,
  type ArtifactTarget,
  type Bucket,
  type CpuTarget,
  type CudaTarget,
  type Dim,
  formatJsonPath,
  INDEX_FORMAT,
  type KernelRef,
  MANIFEST_FORMAT,
  type Manifest,
  ManifestError,
  type ManifestProblem,
  type Profile,
  parseIndex,
  parseManifest,
  TORCH_DTYPE_NAMES,
  type TorchDtypeName,
  type WeightSet,
} from "./manifest/index.js";
export {
  InvalidRepoIdError,
  isRepoName,
  isRepoNamePart,
  parseRepoId,
  type RepoId,
  type RepoType,
  repoTypePlural,
  repoUrlPrefix,
} from "./repo/repo-id.js";
export {
  type BucketResolution,
  type Candidate,
  describeDevice,
  describeResolution,
  NoCompatibleArtifactError,
  type Resolution,
  type ResolveOptions,
  resolveArtifacts,
} from "./resolve/index.js";

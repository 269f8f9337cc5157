export { artifactRuntime } from "./artifact-runtime.js";
export { type Alias, type AliasIndex, INDEX_FORMAT } from "./index-schema.js";
export { formatJsonPath, ManifestError, type ManifestProblem } from "./manifest-error.js";
export {
  type Artifact,
  type ArtifactTarget,
  type Bucket,
  type CpuTarget,
  type CudaTarget,
  type Dim,
  type KernelRef,
  MANIFEST_FORMAT,
  type Manifest,
  type Profile,
  type RuntimeKind,
  runtimeKindSchema,
  type WeightSet,
} from "./manifest-schema.js";
export { parseIndex } from "./parse-index.js";
export { parseManifest } from "./parse-manifest.js";
export { MAX_REPO_PATH_LENGTH, repoPathProblem, unsafeRepoPathReason } from "./repo-path.js";
export { TORCH_DTYPE_NAMES, type TorchDtypeName } from "./torch-dtype-names.js";

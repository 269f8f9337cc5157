export { kernelSystemOf } from "./kernel-system.js";
export {
  MANIFEST_FILE,
  type NamedRepo,
  type PrefetchedFile,
  type PrefetchParams,
  prefetch,
} from "./prefetch.js";
export { ArtifactDigestError, NoKernelVariantError, UnresolvedAliasError } from "./prefetch-errors.js";

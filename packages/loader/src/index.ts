// Public surface of @aotihub/loader, as docs/api.md describes it. Everything else (download
// internals, cache plumbing, the model-file plan, the CLI's progress bar) is imported by path inside
// the package; the CLI never imports from here.

export { InvalidRepoIdError, parseRepoId, type RepoId, type RepoType } from "@aotihub/registry";
export { CacheLayout } from "./cache/cache-layout.js";
export { CacheLockUnsupportedError, CacheReadOnlyError } from "./cache/cache-read-only.js";
export { type GcOptions, type GcResult, gcCache } from "./cache/gc-cache.js";
export { KnownMissingError, NotInCacheError } from "./cache/offline-errors.js";
export { type CachedRepo, scanCache } from "./cache/scan-cache.js";
export { type BlobCheck, verifyCache } from "./cache/verify-cache.js";
export type { DeviceOption } from "./compiled/choose-device.js";
export { CompiledModel, type CompiledVariant, type Provenance } from "./compiled/compiled-model.js";
export { type LoadCompiledOptions, loadCompiled } from "./compiled/load-compiled.js";
export { type LoadedModels, loadedModels } from "./compiled/loaded-models.js";
export type { DownloadTuning } from "./download/download-blob.js";
export {
  BadRangeResponseError,
  HashMismatchError,
  IncompleteDownloadError,
  UnsafePartialFileError,
  UnverifiableEtagError,
} from "./download/download-errors.js";
export { type CachedFile, type DownloadFileParams, downloadFile } from "./download/download-file.js";
export {
  type Snapshot,
  type SnapshotDownloadParams,
  snapshotDownload,
} from "./download/snapshot-download.js";
export { createHubDispatcher, type HubDispatcherOptions } from "./hub/create-hub-dispatcher.js";
export type { FileMetadata } from "./hub/file-metadata.js";
export { HubClient, type HubClientOptions, type RepoFile } from "./hub/hub-client.js";
export {
  EntryNotFoundError,
  GatedRepoError,
  HubNetworkError,
  type HubRequestCode,
  type HubRequestDetails,
  HubRequestError,
  type HubResponseFacts,
  RateLimitedError,
  RedirectLoopError,
  RepoNotFoundError,
  RevisionNotFoundError,
  UnauthorizedError,
} from "./hub/hub-errors.js";
export { type HubConfig, readHubConfig } from "./hub-config/hub-config.js";
export type {
  Lockfile,
  PinnedArtifact,
  PinnedFile,
  PinnedKernel,
  PinnedModel,
  PinnedProfile,
} from "./lockfile/lockfile-schema.js";
export { LOCKFILE_NAME, readLockfile, writeLockfile } from "./lockfile/read-write-lockfile.js";
export {
  KernelLibraryMissingError,
  NoKernelVariantError,
  PinDriftError,
} from "./model-files/model-file-errors.js";
export type { ModelPlan } from "./model-files/plan-model-load.js";
export {
  type AliasRef,
  formatModelRef,
  type ModelRef,
  parseModelRef,
  type RepoRef,
} from "./names/parse-model-ref.js";
export {
  type AliasEntry,
  type IndexLocation,
  type ResolvedName,
  type ResolveNameOptions,
  resolveModelName,
} from "./names/resolve-model-name.js";
export { pinPrefetched } from "./prefetch/pin-prefetched.js";
export {
  type PrefetchedFile,
  type PrefetchedModel,
  type PrefetchParams,
  prefetch,
} from "./prefetch/prefetch.js";
export type { ProgressEvent, ProgressListener } from "./progress/progress-event.js";
export {
  type LoadedProjectConfig,
  loadProjectConfig,
  PROJECT_CONFIG_FILE,
} from "./project-config/load-project-config.js";
export type { ProjectConfig } from "./project-config/project-config-schema.js";
export { checkConventionFolder } from "./publish/check-convention-folder.js";
export { type PublishParams, publishFolder } from "./publish/publish-folder.js";
export type { RuntimeOption } from "./runtime/requested-runtime.js";
export type { TrustReason } from "./trust/assert-trusted.js";

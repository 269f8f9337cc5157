export { BlobVerifier, type DigestKind, digestKindForEtag } from "./blob-verifier.js";
export {
  type DownloadBlobParams,
  type DownloadBlobResult,
  type DownloadTuning,
  downloadBlob,
} from "./download-blob.js";
export {
  BadRangeResponseError,
  HashMismatchError,
  IncompleteDownloadError,
  UnverifiableEtagError,
} from "./download-errors.js";
export { type CachedFile, cachedSha256, type DownloadFileParams, downloadFile } from "./download-file.js";
export { runPool } from "./run-pool.js";
export { type Snapshot, type SnapshotDownloadParams, snapshotDownload } from "./snapshot-download.js";

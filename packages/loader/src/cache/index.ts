export { CacheLayout } from "./cache-layout.js";
export { type GcResult, gcCache } from "./gc-cache.js";
export { linkSnapshot } from "./link-snapshot.js";
export { KnownMissingError, NotInCacheError } from "./offline-errors.js";
export { cachedCommit, cachedFilePath } from "./read-cached.js";
export { type CachedRepo, scanCache } from "./scan-cache.js";
export { type BlobCheck, verifyCache } from "./verify-cache.js";
export { withBlobLock } from "./with-blob-lock.js";
export { writeRef } from "./write-ref.js";

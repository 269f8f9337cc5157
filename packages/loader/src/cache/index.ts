export { CacheLayout } from "./cache-layout.js";
export { linkSnapshot } from "./link-snapshot.js";
export { KnownMissingError, NotInCacheError } from "./offline-errors.js";
export { cachedCommit, cachedFilePath } from "./read-cached.js";
export { withBlobLock } from "./with-blob-lock.js";
export { writeRef } from "./write-ref.js";

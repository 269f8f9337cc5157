export { aotihubCacheDir } from "./aotihub-cache-dir.js";
export { type FileLock, type LockFileOptions, lockFile } from "./lock-file.js";
export { type MapFileOptions, type MappedFile, mapFile } from "./map-file.js";
export { sha256OfFile } from "./sha256-of-file.js";

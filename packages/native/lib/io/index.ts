export { aotihubCacheDir } from "./aotihub-cache-dir.js";
export { type FileLock, type LockFileOptions, lockFile } from "./lock-file.js";
export { type MapFileOptions, type MappedFile, mapFile } from "./map-file.js";

export { acquireFileLock, type FileLock, type FileLockOptions } from "./acquire-file-lock.js";
export { type MapFileOptions, type MappedFile, mapFile } from "./map-file.js";

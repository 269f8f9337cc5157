// Plain Node (node:fs, node:os) helpers that both this package and the loader need; nothing here
// calls the addon, so a path under node-fs/ never needs a compiled binary.
export { aotihubCacheDir } from "./aotihub-cache-dir.js";
export { sha256OfFile } from "./sha256-of-file.js";

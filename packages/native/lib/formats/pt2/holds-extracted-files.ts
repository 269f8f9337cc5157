import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { sha256OfFile } from "../../node-fs/sha256-of-file.js";
import { baseName } from "./find-model-files.js";
import type { Pt2Entry } from "./types.js";

/**
 * True when `dir` holds every entry as a regular file (not a link) of its size with the digest
 * recorded when it was copied out. The bytes are hashed again on every reuse: the folder is what
 * gets dlopened, and a library changed in place in the cache (same size) must not be loaded as if
 * it were the verified one.
 */
export async function holdsExtractedFiles(
  dir: string,
  files: readonly Pt2Entry[],
  digests: readonly string[],
): Promise<boolean> {
  for (const [i, file] of files.entries()) {
    const path = join(dir, baseName(file.name));
    const info = await lstat(path).catch(() => null);
    if (info === null || !info.isFile() || info.size !== file.size) return false;
    if ((await sha256OfFile(path)) !== digests[i]) return false;
  }
  return true;
}

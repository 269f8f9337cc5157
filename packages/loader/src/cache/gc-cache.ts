import { realpath, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { acquireFileLock } from "@aotihub/native";
import { CacheLayout } from "./cache-layout.js";
import { asReadOnlyError, CacheReadOnlyError } from "./cache-read-only.js";
import { fsyncDirectory } from "./durable-fs.js";
import { scanCache, snapshotLinks } from "./scan-cache.js";

export interface GcResult {
  removed: { repo: string; blob: string; bytes: number }[];
  /** Unlinked blobs left alone because a download held their lock (it is about to link them). */
  skipped: { repo: string; blob: string; reason: string }[];
  freedBytes: number;
}

export interface GcOptions {
  dryRun?: boolean;
  /** The cache is declared read-only (AOTIHUB_CACHE_READ_ONLY): refuse before touching anything. */
  readOnlyCache?: boolean;
}

/**
 * Removes blobs no snapshot links to. Each removal happens under the blob's lock, the one our
 * downloads and huggingface_hub's take (`.locks/<folder>/<etag>.lock`), and only after checking
 * again, under it, that no snapshot links the blob: a download links its blob before it lets the
 * lock go, so gc can never remove a blob between a download's rename and its link. A blob whose
 * lock is held is skipped, not waited for. Partial downloads are kept (they are resumed), and so
 * are the lock files (Python's filelock expects them to stay).
 */
export async function gcCache(root: string, options: GcOptions = {}): Promise<GcResult> {
  if (options.readOnlyCache && !options.dryRun) throw new CacheReadOnlyError(root, "collect garbage");
  const layout = new CacheLayout(root);
  const removed: GcResult["removed"] = [];
  const skipped: GcResult["skipped"] = [];
  for (const repo of await scanCache(root)) {
    const label = `${repo.type}s/${repo.name}`;
    for (const blob of repo.blobs) {
      const path = join(repo.folder, "blobs", blob);
      if (repo.referenced.has(path)) continue;
      if (options.dryRun) {
        const bytes = (await stat(path).catch(() => undefined))?.size;
        if (bytes !== undefined) removed.push({ repo: label, blob, bytes });
        continue;
      }
      const outcome = await asReadOnlyError(root, "collect garbage", () =>
        removeIfUnlinked(layout.lockPathInFolder(basename(repo.folder), blob), repo.folder, path),
      );
      if (typeof outcome === "number") removed.push({ repo: label, blob, bytes: outcome });
      else if (outcome === "locked") skipped.push({ repo: label, blob, reason: "a download holds its lock" });
    }
  }
  return { removed, skipped, freedBytes: removed.reduce((n, r) => n + r.bytes, 0) };
}

/** The bytes freed, "locked" when a download holds the blob, "linked" when it got linked meanwhile. */
async function removeIfUnlinked(
  lockPath: string,
  repoFolder: string,
  blobPath: string,
): Promise<number | "locked" | "linked"> {
  const lock = await acquireFileLock(lockPath, { timeoutMs: 0 }).catch((error: { code?: string }) => {
    if (error?.code === "AOTIHUB_LOCK_TIMEOUT") return undefined;
    throw error;
  });
  if (lock === undefined) return "locked";
  try {
    const real = await realpath(blobPath).catch(() => blobPath);
    if ((await snapshotLinks(repoFolder)).referenced.has(real)) return "linked";
    const bytes = (await stat(blobPath).catch(() => undefined))?.size;
    if (bytes === undefined) return "linked"; // gone already: another gc took it
    await rm(blobPath, { force: true });
    await fsyncDirectory(join(repoFolder, "blobs"));
    return bytes;
  } finally {
    await lock.release();
  }
}

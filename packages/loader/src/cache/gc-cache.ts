import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { scanCache } from "./scan-cache.js";

export interface GcResult {
  removed: { repo: string; blob: string; bytes: number }[];
  freedBytes: number;
}

/**
 * Removes blobs no snapshot links to. Partial downloads are kept (they are resumed), and so are
 * the lock files (Python's filelock expects them to stay).
 */
export async function gcCache(root: string, options: { dryRun?: boolean } = {}): Promise<GcResult> {
  const removed: GcResult["removed"] = [];
  for (const repo of await scanCache(root)) {
    for (const blob of repo.blobs) {
      const path = join(repo.folder, "blobs", blob);
      if (repo.referenced.has(path)) continue;
      const bytes = (await stat(path)).size;
      if (!options.dryRun) await rm(path, { force: true });
      removed.push({ repo: `${repo.type}s/${repo.name}`, blob, bytes });
    }
  }
  return { removed, freedBytes: removed.reduce((n, r) => n + r.bytes, 0) };
}

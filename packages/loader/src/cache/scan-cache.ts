import { lstat, readdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import type { RepoType } from "@aotihub/registry";

export interface CachedRepo {
  type: RepoType | string;
  name: string;
  folder: string;
  /** Bytes of the finished blobs (partial downloads excluded). */
  sizeOnDisk: number;
  blobs: string[];
  /** Blobs some snapshot links to, by absolute path. */
  referenced: Set<string>;
  revisions: { commit: string; refs: string[]; files: number }[];
}

/** Partial downloads, their chunk journals, and a journal's temp file left by a killed process. */
const PARTIAL = /\.incomplete(\.json(\.[0-9a-f]+\.tmp)?)?$/;

/** Reads the cache the way `scan_cache_dir` does, tolerantly: what is there, never what should be. */
export async function scanCache(root: string): Promise<CachedRepo[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const repos: CachedRepo[] = [];
  for (const folderName of names.sort()) {
    const [prefix, ...rest] = folderName.split("--");
    if (folderName.startsWith(".") || rest.length < 2 || !prefix?.endsWith("s")) continue;
    const folder = join(root, folderName);
    const blobsDir = join(folder, "blobs");
    const blobs = (await readdir(blobsDir).catch(() => [] as string[])).filter((b) => !PARTIAL.test(b));
    let sizeOnDisk = 0;
    for (const blob of blobs)
      sizeOnDisk += (await stat(join(blobsDir, blob)).catch(() => undefined))?.size ?? 0;
    const refs = new Map<string, string[]>();
    const refsDir = join(folder, "refs");
    for (const ref of (await readdir(refsDir, { recursive: true }).catch(() => [] as string[])) as string[]) {
      if ((await lstat(join(refsDir, ref))).isDirectory()) continue;
      const commit = (await readFile(join(refsDir, ref), "utf8")).trim();
      refs.set(commit, [...(refs.get(commit) ?? []), ref]);
    }
    const { referenced, files } = await snapshotLinks(folder);
    const revisions: CachedRepo["revisions"] = [...files].map(([commit, count]) => ({
      commit,
      refs: refs.get(commit) ?? [],
      files: count,
    }));
    repos.push({
      type: prefix.slice(0, -1),
      name: rest.join("/"),
      folder,
      sizeOnDisk,
      blobs,
      referenced,
      revisions,
    });
  }
  return repos;
}

/**
 * What the snapshots of one repo folder link to: the real paths of their files, and how many files
 * each commit has. Entries that vanish while we walk (a concurrent download or gc) are skipped.
 */
export async function snapshotLinks(
  folder: string,
): Promise<{ referenced: Set<string>; files: Map<string, number> }> {
  const referenced = new Set<string>();
  const files = new Map<string, number>();
  const snapshots = join(folder, "snapshots");
  for (const commit of await readdir(snapshots).catch(() => [] as string[])) {
    let count = 0;
    const entries = (await readdir(join(snapshots, commit), { recursive: true }).catch(() => [])) as string[];
    for (const entry of entries) {
      const path = join(snapshots, commit, entry);
      if ((await stat(path).catch(() => undefined))?.isFile() !== true) continue;
      const real = await realpath(path).catch(() => undefined);
      if (real === undefined) continue;
      count++;
      referenced.add(real);
    }
    files.set(commit, count);
  }
  return { referenced, files };
}

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

const PARTIAL = /\.incomplete(\.json)?$/;

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
    const referenced = new Set<string>();
    const revisions: CachedRepo["revisions"] = [];
    const snapshots = join(folder, "snapshots");
    for (const commit of await readdir(snapshots).catch(() => [] as string[])) {
      let files = 0;
      for (const entry of (await readdir(join(snapshots, commit), { recursive: true })) as string[]) {
        const path = join(snapshots, commit, entry);
        if ((await stat(path).catch(() => undefined))?.isFile() !== true) continue;
        files++;
        referenced.add(await realpath(path));
      }
      revisions.push({ commit, refs: refs.get(commit) ?? [], files });
    }
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

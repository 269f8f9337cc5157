import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type FileHashCache, FileHashCache as HashCache } from "./file-hashes.js";
import { type GitTreeEntry, gitBlobOid, gitCommitOid, gitTreeOid } from "./git-object-id.js";
import { lfsPointer } from "./lfs-pointer.js";
import type { RepoFileEntry, RepoFolderEntry, RepoSnapshot } from "./repo-snapshot.js";

export interface ScanRepoTreeOptions {
  hashes: FileHashCache;
  isLfs: (path: string, size: number) => boolean;
  /** Absolute folders left out of this tree (the roots of other refs kept inside this one). */
  excludedFolders: ReadonlySet<string>;
}

/** Names never part of a repo's tree: our own control files and a git folder. */
export function isHiddenFromTree(name: string): boolean {
  return name === ".git" || name.startsWith(".aotihub-");
}

/**
 * Reads a folder as one revision of a repo: every file (symlinks followed, since an operator may
 * link large artefacts in) with its git and LFS ids, every folder with its git tree id, and the
 * commit id derived from the root tree.
 */
export async function scanRepoTree(folder: string, options: ScanRepoTreeOptions): Promise<RepoSnapshot> {
  const files = new Map<string, RepoFileEntry>();
  const folders = new Map<string, RepoFolderEntry>();
  const children = new Map<string, string[]>();
  let lastModified = 0;

  const visit = async (absolute: string, repoPath: string, depth: number): Promise<string> => {
    if (depth > 64) throw new Error(`folder nesting deeper than 64 at ${absolute} (a symlink loop?)`);
    const names = (
      await readdir(absolute).catch((error: NodeJS.ErrnoException) => {
        // A branch whose folder does not exist yet is an empty tree (its first commit creates it).
        if (depth === 0 && error.code === "ENOENT") return [];
        throw error;
      })
    ).filter((name) => !isHiddenFromTree(name));
    const entries: GitTreeEntry[] = [];
    const childPaths: { path: string; key: Buffer }[] = [];
    for (const name of names) {
      const childAbsolute = join(absolute, name);
      const childPath = repoPath === "" ? name : `${repoPath}/${name}`;
      const stats = await stat(childAbsolute).catch(() => null);
      if (stats === null) continue; // a dangling symlink is not part of the tree
      if (stats.isDirectory()) {
        if (options.excludedFolders.has(resolve(childAbsolute))) continue;
        const oid = await visit(childAbsolute, childPath, depth + 1);
        if (oid === "") continue;
        folders.set(childPath, { path: childPath, oid });
        entries.push({ name, kind: "folder", oid });
        childPaths.push({ path: childPath, key: Buffer.from(`${name}/`) });
      } else if (stats.isFile()) {
        const lfs = options.isLfs(childPath, stats.size);
        const hashes = await options.hashes.hash(childAbsolute, stats, !lfs);
        const pointer = lfs ? lfsPointer(hashes.sha256, stats.size) : null;
        // hashed with its git sha1 whenever it is not LFS
        const oid = pointer ? gitBlobOid(pointer) : hashes.gitSha1!;
        files.set(childPath, {
          path: childPath,
          absolutePath: childAbsolute,
          size: stats.size,
          oid,
          sha256: hashes.sha256,
          lfs: pointer ? { oid: hashes.sha256, size: stats.size, pointerSize: pointer.byteLength } : null,
          etag: pointer ? hashes.sha256 : hashes.gitSha1!,
          versionKey: HashCache.versionKey(childAbsolute, stats),
          mtime: stats.mtime,
        });
        lastModified = Math.max(lastModified, stats.mtimeMs);
        entries.push({ name, kind: "file", oid });
        childPaths.push({ path: childPath, key: Buffer.from(name) });
      }
    }
    // git has no empty folders: a folder holding nothing tracked is not in the tree
    if (entries.length === 0 && repoPath !== "") return "";
    childPaths.sort((a, b) => Buffer.compare(a.key, b.key));
    children.set(
      repoPath,
      childPaths.map((child) => child.path),
    );
    return gitTreeOid(entries);
  };

  const tree = await visit(resolve(folder), "", 0);
  return {
    commit: gitCommitOid(tree),
    tree,
    files,
    folders,
    children,
    lastModified: new Date(lastModified || Date.now()),
  };
}

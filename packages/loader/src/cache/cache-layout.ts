import { isAbsolute, join, relative } from "node:path";
import { AotihubError, type RepoId } from "@aotihub/registry";

/**
 * Paths of the Hugging Face cache, exactly as huggingface_hub lays it out (docs/architecture.md 2.7), so
 * Python and we share one cache. Pure path arithmetic: no I/O here. Parts of these paths come from
 * the network (commits, etags, repo paths); they are validated where they arrive (hub-values.ts),
 * and every path computed here is checked again to stay inside the folder it belongs to.
 */
export class CacheLayout {
  constructor(readonly root: string) {}

  repoDir(repo: RepoId): string {
    return inside(this.root, join(this.root, repoFolderName(repo)));
  }
  blobsDir(repo: RepoId): string {
    return join(this.repoDir(repo), "blobs");
  }
  blobPath(repo: RepoId, etag: string): string {
    return inside(this.blobsDir(repo), join(this.blobsDir(repo), etag), true);
  }
  snapshotDir(repo: RepoId, commit: string): string {
    const snapshots = join(this.repoDir(repo), "snapshots");
    return inside(snapshots, join(snapshots, commit), true);
  }
  snapshotPath(repo: RepoId, commit: string, path: string): string {
    const dir = this.snapshotDir(repo, commit);
    return inside(dir, join(dir, ...path.split("/")));
  }
  refPath(repo: RepoId, revision: string): string {
    const refs = join(this.repoDir(repo), "refs");
    return inside(refs, join(refs, ...revision.split("/")));
  }
  noExistPath(repo: RepoId, commit: string, path: string): string {
    const dir = join(this.repoDir(repo), ".no_exist");
    inside(dir, join(dir, commit), true);
    return inside(dir, join(dir, commit, ...path.split("/")));
  }
  /** Same lock file as Python's `WeakFileLock` around a blob write. */
  lockPath(repo: RepoId, etag: string): string {
    return this.lockPathInFolder(repoFolderName(repo), etag);
  }
  /** The same lock, named from a repo folder found on disk (`models--org--name`), for `cache gc`. */
  lockPathInFolder(folderName: string, etag: string): string {
    const dir = join(this.root, ".locks", folderName);
    return inside(dir, join(dir, `${etag}.lock`), true);
  }
}

/** `path`, when it lies strictly inside `parent` (and, with `direct`, right in it); else a typed error. */
function inside(parent: string, path: string, direct = false): string {
  const rel = relative(parent, path);
  const escapes = rel === "" || rel === ".." || rel.startsWith("../") || isAbsolute(rel);
  if (escapes || (direct && rel.includes("/"))) {
    throw new AotihubError(
      "AOTIHUB_UNSAFE_CACHE_PATH",
      `Refusing a cache path outside its folder: ${path}.`,
      {
        expected: `a path inside ${parent}${direct ? " (one name, no folders)" : ""}`,
        received: path,
        hint: "a commit, etag or file path from the Hub (or an argument) tried to leave the cache; nothing was written",
      },
    );
  }
  return path;
}

/** Cache folder name, exactly huggingface_hub's `repo_folder_name`: `models--org--name`. */
export function repoFolderName(repo: RepoId): string {
  return [`${repo.type}s`, ...repo.name.split("/")].join("--");
}

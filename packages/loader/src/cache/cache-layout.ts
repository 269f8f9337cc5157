import { join } from "node:path";
import type { RepoId } from "@aotihub/registry";

/**
 * Paths of the Hugging Face cache, exactly as huggingface_hub lays it out (architecture 2.7), so
 * Python and we share one cache. Pure path arithmetic: no I/O here.
 */
export class CacheLayout {
  constructor(readonly root: string) {}

  repoDir(repo: RepoId): string {
    return join(this.root, repoFolderName(repo));
  }
  blobsDir(repo: RepoId): string {
    return join(this.repoDir(repo), "blobs");
  }
  blobPath(repo: RepoId, etag: string): string {
    return join(this.blobsDir(repo), etag);
  }
  snapshotDir(repo: RepoId, commit: string): string {
    return join(this.repoDir(repo), "snapshots", commit);
  }
  snapshotPath(repo: RepoId, commit: string, path: string): string {
    return join(this.snapshotDir(repo, commit), ...path.split("/"));
  }
  refPath(repo: RepoId, revision: string): string {
    return join(this.repoDir(repo), "refs", ...revision.split("/"));
  }
  noExistPath(repo: RepoId, commit: string, path: string): string {
    return join(this.repoDir(repo), ".no_exist", commit, ...path.split("/"));
  }
  /** Same lock file as Python's `WeakFileLock` around a blob write. */
  lockPath(repo: RepoId, etag: string): string {
    return this.lockPathInFolder(repoFolderName(repo), etag);
  }
  /** The same lock, named from a repo folder found on disk (`models--org--name`). */
  lockPathInFolder(folderName: string, etag: string): string {
    return join(this.root, ".locks", folderName, `${etag}.lock`);
  }
}

/** Cache folder name, exactly huggingface_hub's `repo_folder_name`: `models--org--name`. */
export function repoFolderName(repo: RepoId): string {
  return [`${repo.type}s`, ...repo.name.split("/")].join("--");
}

/** One file of a repo at one commit, as the Hub describes it. */
export interface RepoFileEntry {
  /** Path in the repo, "/"-separated. */
  path: string;
  /** Where the bytes are on disk. */
  absolutePath: string;
  size: number;
  /** The git blob id as git stores it: of the bytes, or of the LFS pointer for an LFS file. */
  oid: string;
  /** The sha256 of the bytes, whether LFS or not. */
  sha256: string;
  lfs: { oid: string; size: number; pointerSize: number } | null;
  /** What clients cache the file under: the sha256 for LFS files, the git blob sha1 otherwise. */
  etag: string;
  /** Identifies the version on disk this entry was computed from (see FileHashCache.versionKey). */
  versionKey: string;
  mtime: Date;
}

export interface RepoFolderEntry {
  path: string;
  /** The git tree id of the folder. */
  oid: string;
}

/** A repo's tree at one revision with the ids git would give it. */
export interface RepoSnapshot {
  commit: string;
  tree: string;
  files: ReadonlyMap<string, RepoFileEntry>;
  /** Every folder but the root. */
  folders: ReadonlyMap<string, RepoFolderEntry>;
  /** Child paths of each folder ("" is the root), in git tree order. */
  children: ReadonlyMap<string, readonly string[]>;
  lastModified: Date;
}

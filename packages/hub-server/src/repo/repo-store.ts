import { stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { FileBytes } from "./file-bytes.js";
import { FileHashCache } from "./file-hashes.js";
import { type RepoRef, repoTypePlural } from "./repo-id.js";
import { readRepoRefs } from "./repo-refs-file.js";
import type { RepoFileEntry, RepoSnapshot } from "./repo-snapshot.js";
import { scanRepoTree } from "./scan-repo-tree.js";

export interface ResolvedRevision {
  snapshot: RepoSnapshot;
  /** The branch or tag asked for, or null when asked by commit id. */
  refName: string | null;
  /** The folder holding the tree, where a commit to this branch writes. */
  folder: string;
}

export interface RefListing {
  branches: { name: string; commit: string }[];
  tags: { name: string; commit: string }[];
}

/**
 * Repos as folders under `<root>/<type>s/<org>/<name>/`. Every read scans the folder again (stat
 * only; hashes are cached by file version), so edits on disk and commits show up at once, and the
 * commit id always matches what is served.
 */
export class RepoStore {
  readonly root: string;
  readonly #hashes: FileHashCache;
  readonly #isLfs: (path: string, size: number) => boolean;
  /**
   * LFS objects seen by scans, per repo folder then sha256, so the CDN origin can serve them by
   * content id. Per repo: an object of one repo is never found through another.
   */
  readonly #lfsObjects = new Map<string, Map<string, RepoFileEntry>>();
  readonly #writeQueues = new Map<string, Promise<unknown>>();

  constructor(root: string, isLfs: (path: string, size: number) => boolean, bytes: FileBytes) {
    this.root = resolve(root);
    this.#hashes = new FileHashCache(bytes);
    this.#isLfs = isLfs;
  }

  repoFolder(repo: RepoRef): string {
    return join(this.root, repoTypePlural(repo.type), ...repo.id.split("/"));
  }

  async exists(repo: RepoRef): Promise<boolean> {
    const stats = await stat(this.repoFolder(repo)).catch(() => null);
    return stats?.isDirectory() ?? false;
  }

  async listRefs(repo: RepoRef): Promise<RefListing> {
    const refs = await readRepoRefs(this.repoFolder(repo));
    const all = new Set([...refs.branches.values(), ...refs.tags.values()]);
    const commits = new Map<string, string>();
    for (const folder of all) commits.set(folder, (await this.#scan(repo, folder, all)).commit);
    const list = (map: ReadonlyMap<string, string>) =>
      [...map].map(([name, folder]) => ({ name, commit: commits.get(folder)! }));
    return { branches: list(refs.branches), tags: list(refs.tags) };
  }

  /** A branch, a tag, or the 40-hex commit id of any current branch or tag; null when none matches. */
  async resolveRevision(repo: RepoRef, revision: string): Promise<ResolvedRevision | null> {
    const refs = await readRepoRefs(this.repoFolder(repo));
    const all = new Set([...refs.branches.values(), ...refs.tags.values()]);
    const named = refs.branches.get(revision) ?? refs.tags.get(revision);
    if (named !== undefined) {
      return { snapshot: await this.#scan(repo, named, all), refName: revision, folder: named };
    }
    if (!/^[0-9a-f]{40}$/.test(revision)) return null;
    for (const folder of all) {
      const snapshot = await this.#scan(repo, folder, all);
      if (snapshot.commit === revision) return { snapshot, refName: null, folder };
    }
    return null;
  }

  /** Whether `name` is a branch of the repo, and the folder it writes to. */
  async branchFolder(repo: RepoRef, name: string): Promise<string | null> {
    return (await readRepoRefs(this.repoFolder(repo))).branches.get(name) ?? null;
  }

  /**
   * The file of this repo last seen with this sha256, if it still is the version that was hashed.
   * Scans the repo's refs when the object is not known yet (no read of the repo happened since
   * the server started).
   */
  async lfsObject(repo: RepoRef, sha256: string): Promise<RepoFileEntry | null> {
    const known = () => this.#lfsObjects.get(this.repoFolder(repo))?.get(sha256);
    if (!known() && (await this.exists(repo))) await this.listRefs(repo);
    const entry = known();
    if (!entry) return null;
    const stats = await stat(entry.absolutePath).catch(() => null);
    if (!stats || FileHashCache.versionKey(entry.absolutePath, stats) !== entry.versionKey) return null;
    return entry;
  }

  /** Runs writes to one repo one at a time, so two commits never interleave their renames. */
  async withWriteLock<T>(repo: RepoRef, write: () => Promise<T>): Promise<T> {
    const key = this.repoFolder(repo);
    const previous = this.#writeQueues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(write);
    this.#writeQueues.set(key, next);
    try {
      return await next;
    } finally {
      if (this.#writeQueues.get(key) === next) this.#writeQueues.delete(key);
    }
  }

  async #scan(repo: RepoRef, folder: string, refFolders: ReadonlySet<string>): Promise<RepoSnapshot> {
    const excludedFolders = new Set(
      [...refFolders].filter((other) => other !== folder && isInside(folder, other)),
    );
    const snapshot = await scanRepoTree(folder, {
      hashes: this.#hashes,
      isLfs: this.#isLfs,
      excludedFolders,
    });
    const key = this.repoFolder(repo);
    const objects = this.#lfsObjects.get(key) ?? new Map<string, RepoFileEntry>();
    this.#lfsObjects.set(key, objects);
    for (const file of snapshot.files.values()) {
      if (file.lfs) objects.set(file.sha256, file);
    }
    return snapshot;
  }
}

function isInside(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path !== "" && !path.startsWith("..") && !path.split(sep).includes("..");
}

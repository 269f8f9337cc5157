import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { LRUCache } from "lru-cache";
import type { FileBytes } from "./file-bytes.js";
import { gitBlobHeader } from "./git-object-id.js";

/** The two ids the Hub gives a file: the git blob sha1 of its bytes and their sha256 (the LFS oid). */
export interface FileHashes {
  /** Null when not asked for: an LFS file's git id is its pointer's, so its bytes need no sha1. */
  gitSha1: string | null;
  sha256: string;
}

/**
 * Hashes files once per version: a file is identified by inode, size and mtime, so an unchanged
 * multi-GiB weight file is read only the first time any request needs it, and concurrent first
 * requests share one read.
 */
export class FileHashCache {
  readonly #done = new LRUCache<string, FileHashes>({ max: 100_000 });
  readonly #running = new Map<string, Promise<FileHashes>>();
  readonly #bytes: FileBytes;

  constructor(bytes: FileBytes) {
    this.#bytes = bytes;
  }

  async hash(path: string, stats: Stats, withGitSha1: boolean): Promise<FileHashes> {
    const key = `${FileHashCache.versionKey(path, stats)}\0${withGitSha1 ? "git" : "lfs"}`;
    const done = this.#done.get(key);
    if (done) return done;
    let running = this.#running.get(key);
    if (!running) {
      running = hashFile(this.#bytes, path, stats.size, withGitSha1).finally(() => this.#running.delete(key));
      this.#running.set(key, running);
    }
    const hashes = await running;
    this.#done.set(key, hashes);
    return hashes;
  }

  /** What identifies one version of a file on disk. */
  static versionKey(path: string, stats: Stats): string {
    return `${path}\0${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
  }
}

async function hashFile(
  bytes: FileBytes,
  path: string,
  size: number,
  withGitSha1: boolean,
): Promise<FileHashes> {
  const sha1 = withGitSha1 ? createHash("sha1").update(gitBlobHeader(size)) : null;
  const sha256 = createHash("sha256");
  if (size > 0) {
    for await (const chunk of bytes.read(path, 0, size - 1)) {
      sha1?.update(chunk as Buffer);
      sha256.update(chunk as Buffer);
    }
  }
  return { gitSha1: sha1?.digest("hex") ?? null, sha256: sha256.digest("hex") };
}

import { createHash } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { LRUCache } from "lru-cache";
import { gitBlobHeader } from "./git-object-id.js";

/** The two ids the Hub gives a file: the git blob sha1 of its bytes and their sha256 (the LFS oid). */
export interface FileHashes {
  gitSha1: string;
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

  async hash(path: string, stats: Stats): Promise<FileHashes> {
    const key = FileHashCache.versionKey(path, stats);
    const done = this.#done.get(key);
    if (done) return done;
    let running = this.#running.get(key);
    if (!running) {
      running = hashFile(path, stats.size).finally(() => this.#running.delete(key));
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

async function hashFile(path: string, size: number): Promise<FileHashes> {
  const sha1 = createHash("sha1").update(gitBlobHeader(size));
  const sha256 = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    sha1.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
  }
  return { gitSha1: sha1.digest("hex"), sha256: sha256.digest("hex") };
}

import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { HubServerError } from "../hub-server-error.js";
import { type RepoRef, repoKey } from "../repo/repo-id.js";

/** Why an upload was refused; the CDN answers 400 with this text. */
export class LfsUploadRejectedError extends HubServerError {
  constructor(reason: string) {
    super("AOTIHUB_HUB_SERVER_REJECTED", reason);
  }
}

/**
 * LFS objects uploaded through the CDN origin, waiting for (or kept after) the commit that names
 * them, kept per repo: `<root>/.aotihub-lfs/<type>s/<org>/<name>/<sha256>`. An object uploaded
 * for one repo is never found for another, so knowing a sha256 and a size is not enough to
 * commit (and then read) someone else's file. An object appears only whole and verified: the body
 * is hashed while it is written to a unique temp file, renamed into place only if size and sha256
 * match the announced ones.
 */
export class LfsUploadStore {
  readonly folder: string;

  constructor(root: string) {
    this.folder = join(root, ".aotihub-lfs");
  }

  pathOf(repo: RepoRef, sha256: string): string {
    return join(this.#repoFolder(repo), sha256);
  }

  /** Whether the object was uploaded for this repo (and is of `size` bytes, when given). */
  async has(repo: RepoRef, sha256: string, size?: number): Promise<boolean> {
    const stats = await stat(this.pathOf(repo, sha256)).catch(() => null);
    return stats?.isFile() === true && (size === undefined || stats.size === size);
  }

  async receive(repo: RepoRef, sha256: string, size: number, body: Readable): Promise<void> {
    const folder = this.#repoFolder(repo);
    await mkdir(folder, { recursive: true });
    const temp = join(folder, `${sha256}.${process.pid}.${randomBytes(6).toString("hex")}.incomplete`);
    const hash = createHash("sha256");
    let received = 0;
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            received += chunk.byteLength;
            if (received > size)
              throw new LfsUploadRejectedError(`body is larger than the announced ${size} bytes`);
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(temp, { flags: "wx" }),
      );
      if (received !== size)
        throw new LfsUploadRejectedError(`received ${received} bytes, announced ${size}`);
      const actual = hash.digest("hex");
      if (actual !== sha256)
        throw new LfsUploadRejectedError(`body has sha256 ${actual}, announced ${sha256}`);
      await rename(temp, this.pathOf(repo, sha256));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  #repoFolder(repo: RepoRef): string {
    return join(this.folder, ...repoKey(repo).split("/"));
  }
}

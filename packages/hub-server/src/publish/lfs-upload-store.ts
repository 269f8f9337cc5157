import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Why an upload was refused; the CDN answers 400 with this text. */
export class LfsUploadRejected extends Error {}

/**
 * LFS objects uploaded through the CDN origin, waiting for (or kept after) the commit that names
 * them: `<root>/.aotihub-lfs/<sha256>`. An object appears only whole and verified: the body is
 * hashed while it is written to a unique temp file, renamed into place only if size and sha256
 * match the announced ones.
 */
export class LfsUploadStore {
  readonly folder: string;

  constructor(root: string) {
    this.folder = join(root, ".aotihub-lfs");
  }

  pathOf(sha256: string): string {
    return join(this.folder, sha256);
  }

  /** Whether the object is here (and of `size` bytes, when given). */
  async has(sha256: string, size?: number): Promise<boolean> {
    const stats = await stat(this.pathOf(sha256)).catch(() => null);
    return stats?.isFile() === true && (size === undefined || stats.size === size);
  }

  async receive(sha256: string, size: number, body: Readable): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    const temp = join(this.folder, `${sha256}.${process.pid}.${randomBytes(6).toString("hex")}.incomplete`);
    const hash = createHash("sha256");
    let received = 0;
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            received += chunk.byteLength;
            if (received > size)
              throw new LfsUploadRejected(`body is larger than the announced ${size} bytes`);
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(temp, { flags: "wx" }),
      );
      if (received !== size) throw new LfsUploadRejected(`received ${received} bytes, announced ${size}`);
      const actual = hash.digest("hex");
      if (actual !== sha256) throw new LfsUploadRejected(`body has sha256 ${actual}, announced ${sha256}`);
      await rename(temp, this.pathOf(sha256));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

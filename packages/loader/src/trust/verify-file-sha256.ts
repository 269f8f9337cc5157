import { createHash } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { type FileHandle, mkdir, open, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { AotihubError } from "@aotihub/registry";

export interface VerifyOptions {
  /**
   * Folder that remembers verified files by identity (device, inode, size, mtime, ctime), so a
   * large file is hashed once, not on every cold start. ctime cannot be set by a user, so a file
   * rewritten in place with its old mtime restored is still hashed again.
   */
  stampDir?: string;
}

/**
 * A cache file opened once and checked on that descriptor. `path` (`/proc/self/fd/N`) reopens the
 * very inode that was hashed, whatever happens to the cache path afterwards (a swapped symlink or
 * blob): hand it to whatever maps the file, and `close()` only once nothing will open it again.
 */
export interface VerifiedHandle {
  /** The cache path it was opened by (for messages). */
  readonly file: string;
  /** `/proc/self/fd/<fd>`: the opened inode, not a name that can be re-pointed. */
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Opens `file`, fstats it, and (when `expected` is given) checks the sha256 of the bytes read
 * through that same descriptor, or finds a stamp for that descriptor's identity. Throws
 * AOTIHUB_SHA256_MISMATCH, and closes the file, when the content is not the pinned one.
 */
export async function openVerifiedFile(
  file: string,
  expected: string | undefined,
  opts: VerifyOptions = {},
): Promise<VerifiedHandle> {
  const handle = await open(file, "r");
  try {
    if (expected !== undefined) await verifyHandle(handle, file, expected, opts);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return {
    file,
    path: `/proc/self/fd/${handle.fd}`,
    close: () => handle.close(),
  };
}

/** Resolves when `file` has the sha256 `expected`; otherwise throws AOTIHUB_SHA256_MISMATCH. */
export async function verifyFileSha256(
  file: string,
  expected: string,
  opts: VerifyOptions = {},
): Promise<void> {
  const pinned = await openVerifiedFile(file, expected, opts);
  await pinned.close();
}

async function verifyHandle(handle: FileHandle, file: string, expected: string, opts: VerifyOptions) {
  const before = await handle.stat({ bigint: true });
  const identity = identityOf(before);
  const stamp = opts.stampDir ? path.join(opts.stampDir, expected) : null;
  if (stamp && (await readFile(stamp, "utf8").catch(() => "")) === identity) return;

  const actual = await sha256OfHandle(handle, Number(before.size));
  const after = identityOf(await handle.stat({ bigint: true }));
  if (actual !== expected || after !== identity) {
    throw new AotihubError(
      "AOTIHUB_SHA256_MISMATCH",
      `${file} does not have the content that was pinned for it.`,
      {
        expected: `sha256 ${expected} (from the manifest or the lockfile)`,
        received: after === identity ? `sha256 ${actual}` : "a file that was rewritten while it was hashed",
        hint: "the file was changed after download; run `aotihub cache verify` and download it again, and check who can write to the cache folder",
      },
    );
  }
  if (stamp) {
    await mkdir(path.dirname(stamp), { recursive: true });
    await writeFile(stamp, identity);
  }
}

function identityOf(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

async function sha256OfHandle(handle: FileHandle, size: number): Promise<string> {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let position = 0; position < size; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) break; // shrank while hashed: the identity check after reports it
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest("hex");
}

import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { sha256OfFile } from "@aotihub/native";
import { AotihubError } from "@aotihub/registry";

export interface VerifyOptions {
  /**
   * Folder that remembers verified files by identity (device, inode, size, mtime, ctime), so a
   * large package is hashed once, not on every cold start. ctime cannot be set by a user, so a
   * file rewritten in place with its old mtime restored is still hashed again.
   */
  stampDir?: string;
}

/** Resolves when `file` has the sha256 `expected`; otherwise throws AOTIHUB_SHA256_MISMATCH. */
export async function verifyFileSha256(
  file: string,
  expected: string,
  opts: VerifyOptions = {},
): Promise<void> {
  const info = await stat(file, { bigint: true });
  const identity = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
  const stamp = opts.stampDir ? path.join(opts.stampDir, expected) : null;
  if (stamp && (await readFile(stamp, "utf8").catch(() => "")) === identity) return;

  const actual = await sha256OfFile(file);
  if (actual !== expected) {
    throw new AotihubError(
      "AOTIHUB_SHA256_MISMATCH",
      `${file} does not have the content that was pinned for it.`,
      {
        expected: `sha256 ${expected} (from the manifest or the lockfile)`,
        received: `sha256 ${actual}`,
        hint: "the file was changed after download; run `aotihub cache verify` and download it again, and check who can write to the cache folder",
      },
    );
  }
  if (stamp) {
    await mkdir(path.dirname(stamp), { recursive: true });
    await writeFile(stamp, identity);
  }
}

import { randomBytes } from "node:crypto";
import { open, rename } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Makes a rename, create or unlink in `dir` survive a power loss: POSIX only promises a directory
 * entry is on disk once the directory itself is fsynced. Filesystems that cannot fsync a directory
 * (some FUSE and network mounts answer EINVAL/EBADF/ENOTSUP) are left as they are: there is nothing
 * stronger we could do there.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EBADF" && code !== "ENOTSUP" && code !== "EISDIR" && code !== "EPERM")
      throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Replaces `path` with `data` so that a reader (or a reboot) sees the old content or the new one,
 * never a torn or zero-filled file: a unique temp file, fsynced, renamed, then its folder fsynced.
 */
export async function writeFileDurably(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await fsyncDirectory(dirname(path));
}

import { copyFile, mkdir, readlink, rm, symlink } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { fsyncDirectory } from "./durable-fs.js";

/**
 * Points `snapshots/<commit>/<path>` at its blob with a relative symlink (the cache can be moved),
 * like huggingface_hub's `_create_symlink`; copies where the filesystem refuses symlinks. The link's
 * folder is fsynced so the link survives a power loss with the (already fsynced) blob.
 */
export async function linkSnapshot(blobPath: string, pointerPath: string): Promise<void> {
  await mkdir(dirname(pointerPath), { recursive: true });
  const target = relative(dirname(pointerPath), blobPath);
  const existing = await readlink(pointerPath).catch(() => undefined);
  if (existing !== undefined && resolve(dirname(pointerPath), existing) === resolve(blobPath)) return;
  await rm(pointerPath, { force: true });
  try {
    await symlink(target, pointerPath);
    await fsyncDirectory(dirname(pointerPath));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      // another process linked it between rm and symlink: fine if it points at the same blob
      const now = await readlink(pointerPath).catch(() => undefined);
      if (now !== undefined && resolve(dirname(pointerPath), now) === resolve(blobPath)) return;
      throw error;
    }
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw error;
    await copyFile(blobPath, pointerPath);
  }
}

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Checks that nothing corrupt is visible: every finished blob's content matches its name (sha256
 * or git sha1) and every snapshot entry is a relative link to an existing blob. Partial files may
 * exist only under their `.incomplete` names. Returns the blob names.
 */
export function assertCacheSound(repoDir: string): string[] {
  const blobsDir = join(repoDir, "blobs");
  const blobs: string[] = [];
  for (const name of safeList(blobsDir)) {
    if (/\.incomplete(\.json(\.[0-9a-f]+\.tmp)?)?$/.test(name)) continue; // partials, journals and their temps
    const bytes = readFileSync(join(blobsDir, name));
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const sha1 = createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
    if (name !== sha256 && name !== sha1)
      throw new Error(`blob ${name} holds other bytes (sha256 ${sha256})`);
    blobs.push(name);
  }
  const snapshots = join(repoDir, "snapshots");
  for (const commit of safeList(snapshots))
    for (const entry of readdirSync(join(snapshots, commit), { recursive: true }) as string[]) {
      const path = join(snapshots, commit, entry);
      if (statSync(path).isDirectory()) continue;
      const target = readlinkSync(path);
      if (target.startsWith("/")) throw new Error(`${path} is an absolute link`);
      const blob = realpathSync(path);
      if (!blobs.includes(blob.split("/").pop()!))
        throw new Error(`${path} points at ${blob}, not a sound blob`);
    }
  return blobs;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

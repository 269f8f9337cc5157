import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RepoId } from "@aotihub/registry";
import type { CacheLayout } from "./cache-layout.js";

/**
 * Records that `revision` is `commit`, as huggingface_hub does: no newline, written to a unique temp
 * file then renamed so a reader never sees half a sha. Call it only once the snapshot folder exists:
 * `scan_cache_dir` warns about refs pointing at missing snapshots.
 */
export async function writeRef(
  layout: CacheLayout,
  repo: RepoId,
  revision: string,
  commit: string,
): Promise<void> {
  if (revision === commit) return;
  const path = layout.refPath(repo, revision);
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === commit) return;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, commit);
  await rename(tmp, path);
}

import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RepoId } from "@aotihub/registry";
import type { CacheLayout } from "./cache-layout.js";
import { writeFileDurably } from "./durable-fs.js";

/**
 * Records that `revision` is `commit`, as huggingface_hub does: no newline, written to a unique temp
 * file, fsynced, then renamed so a reader (or a reboot) never sees half a sha. Call it only once the snapshot folder exists:
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
  await writeFileDurably(path, commit);
}

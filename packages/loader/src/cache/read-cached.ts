import { readFile, stat } from "node:fs/promises";
import type { RepoId } from "@aotihub/registry";
import { COMMIT_SHA } from "../hub/hub-urls.js";
import type { CacheLayout } from "./cache-layout.js";

/** The commit a revision names in the cache: itself for a full sha, else `refs/<revision>`. */
export async function cachedCommit(
  layout: CacheLayout,
  repo: RepoId,
  revision: string,
): Promise<string | undefined> {
  if (COMMIT_SHA.test(revision)) return revision;
  const text = await readFile(layout.refPath(repo, revision), "utf8").catch(() => undefined);
  return text !== undefined && COMMIT_SHA.test(text.trim()) ? text.trim() : undefined;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true;
}

/** The snapshot path of a cached file (its blob present), or undefined; what `try_to_load_from_cache` answers. */
export async function cachedFilePath(
  layout: CacheLayout,
  repo: RepoId,
  revision: string,
  path: string,
): Promise<{ commit: string; pointer: string } | { commit: string; knownMissing: true } | undefined> {
  const commit = await cachedCommit(layout, repo, revision);
  if (commit === undefined) return undefined;
  const pointer = layout.snapshotPath(repo, commit, path);
  if (await exists(pointer)) return { commit, pointer };
  if (await exists(layout.noExistPath(repo, commit, path))) return { commit, knownMissing: true };
  return undefined;
}

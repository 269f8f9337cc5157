import { readFile } from "node:fs/promises";
import { parseIndex, parseRepoId } from "@aotihub/registry";
import { NotInCacheError } from "../cache/offline-errors.js";
import { downloadFile } from "../download/download-file.js";
import type { HubClient } from "../hub/hub-client.js";
import { EntryNotFoundError, RepoNotFoundError, RevisionNotFoundError } from "../hub/hub-errors.js";
import type { HubConfig } from "../hub-config/hub-config.js";
import type { AliasEntry, IndexLocation } from "../names/resolve-model-name.js";

/**
 * Reads the alias index repo through the cache. An index that does not exist (or is not cached
 * while offline) is "no aliases", not a failure: name resolution then reports the unknown name.
 */
export async function loadAliasIndex(
  where: IndexLocation,
  hub: HubConfig,
  client: HubClient | undefined,
  signal?: AbortSignal,
): Promise<Record<string, AliasEntry> | null> {
  try {
    const file = await downloadFile({
      repo: parseRepoId(where.repo, "model"),
      path: where.path,
      revision: where.revision,
      config: hub,
      ...(client ? { client } : {}),
      signal,
    });
    const index = parseIndex(
      JSON.parse(await readFile(file.snapshotPath, "utf8")),
      `${where.repo}/${where.path}`,
    );
    return index.aliases;
  } catch (error) {
    const absent =
      error instanceof RepoNotFoundError ||
      error instanceof RevisionNotFoundError ||
      error instanceof EntryNotFoundError ||
      error instanceof NotInCacheError ||
      (error as { code?: string }).code === "AOTIHUB_ENTRY_NOT_FOUND";
    if (absent) return null;
    throw error;
  }
}

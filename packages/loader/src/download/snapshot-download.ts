import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import type { RepoId } from "@aotihub/registry";
import picomatch from "picomatch";
import { CacheLayout } from "../cache/cache-layout.js";
import { NotInCacheError } from "../cache/offline-errors.js";
import { cachedCommit } from "../cache/read-cached.js";
import { writeRef } from "../cache/write-ref.js";
import { HubClient } from "../hub/hub-client.js";
import { HubNetworkError } from "../hub/hub-errors.js";
import { type HubConfig, readHubConfig } from "../hub-config/hub-config.js";
import type { ProgressListener } from "../progress/progress-event.js";
import { ConnectionBudget } from "./connection-budget.js";
import { DEFAULT_MAX_CONCURRENCY, type DownloadTuning } from "./download-blob.js";
import { type CachedFile, downloadFile, downloadFileSharing } from "./download-file.js";
import { runPool } from "./run-pool.js";

export interface SnapshotDownloadParams extends DownloadTuning {
  repo: RepoId;
  revision?: string;
  /** Only paths matching one of these globs (picomatch), e.g. `["aoti/**", "*.json"]`. */
  include?: string[];
  /** Explicit paths (exact); combined with `include` when both are given. */
  paths?: string[];
  config?: HubConfig;
  client?: HubClient;
  localFilesOnly?: boolean;
  /** Files in flight at once (default 8). */
  concurrency?: number;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
}

export interface Snapshot {
  repo: RepoId;
  commit: string;
  /** `snapshots/<commit>`. */
  folder: string;
  files: CachedFile[];
}

/**
 * Downloads a repo (or the matching part of it) at one commit into the cache, like huggingface_hub's
 * `snapshot_download`: the revision is resolved once, every file is fetched at that commit through a
 * bounded pool, then `refs/<revision>` is written. Offline: the cached snapshot.
 */
export async function snapshotDownload(params: SnapshotDownloadParams): Promise<Snapshot> {
  const config = params.config ?? readHubConfig();
  const layout = new CacheLayout(config.cacheDir);
  const { repo } = params;
  const revision = params.revision ?? "main";
  const wanted = fileFilter(params.include, params.paths);

  if (params.localFilesOnly || config.offline)
    return fromCache(layout, repo, revision, wanted, "offline mode (HF_HUB_OFFLINE) forbids asking the Hub");

  const client = params.client ?? new HubClient({ config });
  let commit: string;
  let listing: Awaited<ReturnType<HubClient["listFiles"]>>;
  try {
    commit = await client.resolveRevision(repo, revision, params.signal);
    listing = await client.listFiles(repo, commit, params.signal);
  } catch (error) {
    if (error instanceof HubNetworkError)
      return fromCache(layout, repo, revision, wanted, "the Hub cannot be reached", error);
    throw error;
  }
  const chosen = listing.filter((file) => wanted(file.path));
  // one CDN connection budget for the whole snapshot, as large as one file's own
  const connections = new ConnectionBudget(params.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
  const files = await runPool(chosen, params.concurrency ?? 8, (file) =>
    downloadFileSharing({ ...params, revision: commit, path: file.path, config, client }, connections),
  );
  if (!config.readOnlyCache) await writeRef(layout, repo, revision, commit);
  return { repo, commit, folder: layout.snapshotDir(repo, commit), files };
}

function fileFilter(include: string[] | undefined, paths: string[] | undefined): (path: string) => boolean {
  if ((include === undefined || include.length === 0) && (paths === undefined || paths.length === 0))
    return () => true;
  const exact = new Set(paths ?? []);
  const globs = include && include.length > 0 ? picomatch(include, { dot: true }) : () => false;
  return (path) => exact.has(path) || globs(path);
}

async function fromCache(
  layout: CacheLayout,
  repo: RepoId,
  revision: string,
  wanted: (path: string) => boolean,
  why: string,
  cause?: unknown,
): Promise<Snapshot> {
  const commit = await cachedCommit(layout, repo, revision);
  const folder = commit === undefined ? undefined : layout.snapshotDir(repo, commit);
  const entries =
    folder === undefined ? [] : await readdir(folder, { recursive: true }).catch(() => undefined);
  if (commit === undefined || folder === undefined || entries === undefined)
    throw new NotInCacheError(repo, revision, undefined, why, cause);
  const files: CachedFile[] = [];
  for (const entry of entries) {
    const path = relative(folder, join(folder, entry)).split("\\").join("/");
    if (!wanted(path)) continue;
    const file = await downloadFile({
      repo,
      path,
      revision: commit,
      config: { ...layoutConfig(layout), offline: true },
    }).catch(() => undefined);
    if (file !== undefined) files.push(file);
  }
  return { repo, commit, folder, files };
}

function layoutConfig(layout: CacheLayout): HubConfig {
  return {
    endpoint: "http://offline.invalid",
    token: undefined,
    hfHome: "",
    cacheDir: layout.root,
    offline: true,
  };
}

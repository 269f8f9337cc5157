import { mkdir, realpath, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { sha256OfFile } from "@aotihub/native";
import type { RepoId } from "@aotihub/registry";
import { CacheLayout } from "../cache/cache-layout.js";
import { asReadOnlyError, CacheReadOnlyError } from "../cache/cache-read-only.js";
import { linkSnapshot } from "../cache/link-snapshot.js";
import { KnownMissingError, NotInCacheError } from "../cache/offline-errors.js";
import { cachedFilePath } from "../cache/read-cached.js";
import { withBlobFileLock } from "../cache/with-blob-file-lock.js";
import { writeRef } from "../cache/write-ref.js";
import { HubClient } from "../hub/hub-client.js";
import { EntryNotFoundError, HubNetworkError } from "../hub/hub-errors.js";
import { COMMIT_SHA } from "../hub/hub-urls.js";
import { type HubConfig, readHubConfig } from "../hub-config/hub-config.js";
import type { ProgressListener } from "../progress/progress-event.js";
import type { ConnectionBudget } from "./connection-budget.js";
import { type DownloadTuning, downloadBlob } from "./download-blob.js";

export interface DownloadFileParams extends DownloadTuning {
  repo: RepoId;
  path: string;
  /** Branch, tag, `vN` or commit sha (default `main`). */
  revision?: string;
  /** Environment-derived settings; default `readHubConfig()`. */
  config?: HubConfig;
  /** Reuse one client (and its keep-alive pool) across many downloads. */
  client?: HubClient;
  /** Answer from the cache only (also implied by HF_HUB_OFFLINE). */
  localFilesOnly?: boolean;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
}

/** A file in the cache. */
export interface CachedFile {
  repo: RepoId;
  path: string;
  commit: string;
  /** `snapshots/<commit>/<path>`: what to open. */
  snapshotPath: string;
  /** `blobs/<etag>`. */
  blobPath: string;
  etag: string;
  size: number;
  /** Bytes fetched over the network by this call (0 when it was cached). */
  fetchedBytes: number;
}

/**
 * Puts one file of a Hub repo into the shared Hugging Face cache and returns where it is, the way
 * huggingface_hub's `hf_hub_download` does: revision resolved to a commit, blob written once under
 * the same lock as Python, verified, linked from the snapshot, ref recorded. With the network off
 * or failing, answers from the cache. A read-only cache (AOTIHUB_CACHE_READ_ONLY) is only read:
 * no lock, no write, and a typed error where a download would be needed.
 */
export function downloadFile(params: DownloadFileParams): Promise<CachedFile> {
  return downloadFileSharing(params, undefined);
}

/** `downloadFile`, its CDN connections taken from a budget shared with the other files of a snapshot. */
export async function downloadFileSharing(
  params: DownloadFileParams,
  connections: ConnectionBudget | undefined,
): Promise<CachedFile> {
  const config = params.config ?? readHubConfig();
  const layout = new CacheLayout(config.cacheDir);
  const { repo, path } = params;
  const revision = params.revision ?? "main";

  if (COMMIT_SHA.test(revision)) {
    const cached = await fromCache(layout, repo, revision, path);
    if (cached !== undefined) return cached;
  }
  if (params.localFilesOnly || config.offline) {
    const cached = await fromCache(layout, repo, revision, path);
    if (cached !== undefined) return cached;
    throw new NotInCacheError(repo, revision, path, "offline mode (HF_HUB_OFFLINE) forbids asking the Hub");
  }

  const client = params.client ?? new HubClient({ config });
  let meta: Awaited<ReturnType<HubClient["fileMetadata"]>>;
  try {
    meta = await client.fileMetadata(repo, revision, path, params.signal);
  } catch (error) {
    if (error instanceof EntryNotFoundError && !config.readOnlyCache)
      await recordMissing(layout, repo, revision, path, error).catch(() => {});
    if (error instanceof HubNetworkError) {
      // like huggingface_hub: a Hub we cannot reach is not a reason to refuse a cached file
      const cached = await fromCache(layout, repo, revision, path);
      if (cached !== undefined) return cached;
      throw new NotInCacheError(repo, revision, path, "the Hub cannot be reached", error);
    }
    throw error;
  }

  const blobPath = layout.blobPath(repo, meta.etag);
  const pointer = layout.snapshotPath(repo, meta.commit, path);
  const found = (fetchedBytes: number): CachedFile => ({
    repo,
    path,
    commit: meta.commit,
    snapshotPath: pointer,
    blobPath,
    etag: meta.etag,
    size: meta.size,
    fetchedBytes,
  });
  // a snapshot link to the blob: nothing to write but the ref, and `cache gc` keeps linked blobs,
  // so no lock is needed (huggingface_hub returns here too, and writes the ref best-effort)
  if (await linksTo(pointer, blobPath)) {
    if (!config.readOnlyCache) await writeRef(layout, repo, revision, meta.commit).catch(() => {});
    return found(0);
  }
  if (config.readOnlyCache)
    throw new CacheReadOnlyError(config.cacheDir, `download ${repo.name}/${path}@${meta.commit}`);

  return asReadOnlyError(config.cacheDir, `download ${repo.name}/${path}`, () =>
    withBlobFileLock(layout.lockPath(repo, meta.etag), params.signal, async () => {
      // Under the lock from here to the link: `cache gc` takes the same lock before it removes an
      // unlinked blob, so it can never remove this one between its rename (or our check) and the link.
      let fetchedBytes = 0;
      if (!(await isFile(blobPath))) {
        const result = await downloadBlob({
          dispatcher: client.dispatcher,
          location: meta.location,
          relocate: async () => (await client.fileMetadata(repo, meta.commit, path, params.signal)).location,
          etag: meta.etag,
          size: meta.size,
          blobPath,
          file: `${repo.name}/${path}`,
          token: config.token,
          tokenOrigin: new URL(client.endpoint).origin,
          onProgress: params.onProgress,
          signal: params.signal,
          parallelThreshold: params.parallelThreshold,
          chunkSize: params.chunkSize,
          maxConcurrency: params.maxConcurrency,
          connections,
        });
        fetchedBytes = result.fetchedBytes;
      }
      await linkSnapshot(blobPath, pointer);
      await writeRef(layout, repo, revision, meta.commit);
      return found(fetchedBytes);
    }),
  );
}

async function linksTo(pointer: string, blobPath: string): Promise<boolean> {
  const target = await realpath(pointer).catch(() => undefined);
  return target !== undefined && target === (await realpath(blobPath).catch(() => undefined));
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true;
}

async function fromCache(
  layout: CacheLayout,
  repo: RepoId,
  revision: string,
  path: string,
): Promise<CachedFile | undefined> {
  const found = await cachedFilePath(layout, repo, revision, path);
  if (found === undefined) return undefined;
  if ("knownMissing" in found) throw new KnownMissingError(repo, found.commit, path);
  const blobPath = await realpath(found.pointer);
  const size = (await stat(blobPath)).size;
  const etag = blobPath.split("/").pop() ?? "";
  return {
    repo,
    path,
    commit: found.commit,
    snapshotPath: found.pointer,
    blobPath,
    etag,
    size,
    fetchedBytes: 0,
  };
}

/** `.no_exist/<commit>/<path>`, as huggingface_hub records a 404 with a known commit. */
async function recordMissing(
  layout: CacheLayout,
  repo: RepoId,
  revision: string,
  path: string,
  error: unknown,
) {
  const commit = (error as { commit?: string }).commit;
  if (commit === undefined || !COMMIT_SHA.test(commit)) return;
  const marker = layout.noExistPath(repo, commit, path);
  await mkdir(dirname(marker), { recursive: true });
  await writeFile(marker, "");
  await mkdir(layout.snapshotDir(repo, commit), { recursive: true });
  await writeRef(layout, repo, revision, commit);
}

/** The sha256 of a cached file: its etag for LFS files, else hashed (small git files only). */
export async function cachedSha256(file: Pick<CachedFile, "etag" | "blobPath">): Promise<string> {
  if (/^[0-9a-f]{64}$/.test(file.etag)) return file.etag;
  return sha256OfFile(file.blobPath);
}

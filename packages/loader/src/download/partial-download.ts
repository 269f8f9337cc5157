import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What survives a process restart next to a partial blob: which chunks are written in full. */
export interface PartialState {
  version: 1;
  etag: string;
  size: number;
  chunkSize: number;
  done: number[];
}

const SUFFIX = ".aotihub.incomplete";

export function statePathOf(partialPath: string): string {
  return `${partialPath}.json`;
}

/**
 * A unique temp name per process (`<etag>.<pid><random>.aotihub.incomplete`): huggingface_hub uses
 * `<etag>.<random>.incomplete` and never resumes, so our names never collide with its files, and
 * its `scan_cache_dir` still lists ours as incomplete downloads.
 */
export function newPartialPath(blobsDir: string, etag: string): string {
  return join(blobsDir, `${etag}.${process.pid.toString(36)}${randomBytes(4).toString("hex")}${SUFFIX}`);
}

/**
 * Finds a partial download of this blob left by an earlier process, with chunk geometry we can
 * continue. Call only while holding the blob's lock: then no other process writes these files, and
 * stale ones we cannot use are removed.
 */
export async function findPartial(
  blobsDir: string,
  etag: string,
  size: number,
  chunkSize: number,
): Promise<{ path: string; state: PartialState } | undefined> {
  const names = await readdir(blobsDir).catch(() => [] as string[]);
  let found: { path: string; state: PartialState } | undefined;
  for (const name of names) {
    if (!name.startsWith(`${etag}.`) || !name.endsWith(SUFFIX)) continue;
    const path = join(blobsDir, name);
    const state = await readState(path);
    const fileSize = (await stat(path).catch(() => undefined))?.size;
    const usable =
      found === undefined &&
      state !== undefined &&
      state.etag === etag &&
      state.size === size &&
      state.chunkSize === chunkSize &&
      fileSize === size;
    if (usable) found = { path, state };
    else await discardPartial(path);
  }
  return found;
}

async function readState(partialPath: string): Promise<PartialState | undefined> {
  try {
    const parsed = JSON.parse(await readFile(statePathOf(partialPath), "utf8")) as PartialState;
    const valid = parsed.version === 1 && Array.isArray(parsed.done) && parsed.done.every(Number.isInteger);
    return valid ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export async function saveState(partialPath: string, state: PartialState): Promise<void> {
  const path = statePathOf(partialPath);
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, path);
}

export async function discardPartial(partialPath: string): Promise<void> {
  await rm(partialPath, { force: true });
  await rm(statePathOf(partialPath), { force: true });
}

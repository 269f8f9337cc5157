import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileDurably } from "../cache/durable-fs.js";
import { type ChunkEnds, isChunkLayout, uniformChunkEnds } from "./chunk-layout.js";
import { UnsafePartialFileError } from "./download-errors.js";

/** What survives a process restart next to a partial blob: which chunks are written in full. */
export interface PartialState {
  version: 1;
  etag: string;
  size: number;
  /**
   * The chunk size of a uniform layout; 0 when `ends` is another layout (a version that knows
   * only uniform layouts then finds no match and starts afresh instead of misreading `done`).
   */
  chunkSize: number;
  /** Each chunk's end (exclusive); absent in journals written before layouts could taper. */
  ends?: number[];
  /** Indices into the layout of the chunks wholly on disk. */
  done: number[];
}

/** The chunk layout a journal's `done` indices refer to, or undefined when it names none usable. */
export function chunkEndsOf(state: PartialState): ChunkEnds | undefined {
  if (state.ends !== undefined) return isChunkLayout(state.ends, state.size) ? state.ends : undefined;
  const uniform = Number.isSafeInteger(state.chunkSize) && state.chunkSize > 0;
  return uniform ? uniformChunkEnds(state.size, state.chunkSize) : undefined;
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
 * Finds a partial download of this blob left by an earlier process, in whatever chunk layout its
 * journal records (it is continued in that layout, so a change of chunk size or of the default
 * layout loses no written chunk). Call only while holding the blob's lock: then no other process
 * writes these files, and stale ones we cannot use are removed.
 */
export async function findPartial(
  blobsDir: string,
  etag: string,
  size: number,
): Promise<{ path: string; state: PartialState; ends: ChunkEnds } | undefined> {
  const names = await readdir(blobsDir).catch(() => [] as string[]);
  let found: { path: string; state: PartialState; ends: ChunkEnds } | undefined;
  for (const name of names) {
    // a journal's temp file left by a process killed between its write and its rename
    if (name.startsWith(`${etag}.`) && /\.aotihub\.incomplete\.json\.[0-9a-f]+\.tmp$/.test(name)) {
      await rm(join(blobsDir, name), { force: true });
      continue;
    }
    if (!name.startsWith(`${etag}.`) || !name.endsWith(SUFFIX)) continue;
    const path = join(blobsDir, name);
    // never follow or adopt a link or someone else's file planted under a partial name, and never
    // delete it either (it is evidence, and may not be ours to remove): say so and leave it
    const facts = await lstat(path).catch(() => undefined);
    if (facts === undefined) continue;
    const unsafe = unsafeReason(facts);
    if (unsafe !== undefined) throw new UnsafePartialFileError(path, unsafe);
    const state = await readState(path);
    const fileSize = facts.size;
    const ends = state?.size === size ? chunkEndsOf(state) : undefined;
    const usable = found === undefined && state?.etag === etag && ends !== undefined && fileSize === size;
    if (usable) found = { path, state, ends };
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

/**
 * Records which chunks are written. Call it only after those chunks' bytes are fsynced: a journal
 * that outlives its data after a power loss would resume over zeros.
 */
export async function saveState(partialPath: string, state: PartialState): Promise<void> {
  await writeFileDurably(statePathOf(partialPath), JSON.stringify(state));
}

/**
 * Opens a partial file for writing without ever following a symlink: in a cache shared between
 * users, a link planted under a partial's name would otherwise redirect our writes to any file we
 * may write. A new partial is created exclusively (its name is unique to this process); an adopted
 * one must be a regular file that we own.
 */
export async function openPartial(path: string, adopt: boolean): Promise<FileHandle> {
  const flags = constants.O_RDWR | constants.O_NOFOLLOW | (adopt ? 0 : constants.O_CREAT | constants.O_EXCL);
  let handle: FileHandle;
  try {
    handle = await open(path, flags, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "EEXIST")
      throw new UnsafePartialFileError(path, "a symlink or a file planted under its name", error);
    throw error;
  }
  const problem = unsafeReason(await handle.stat());
  if (problem !== undefined) {
    await handle.close();
    throw new UnsafePartialFileError(path, problem);
  }
  return handle;
}

export async function discardPartial(partialPath: string): Promise<void> {
  await rm(partialPath, { force: true });
  await rm(statePathOf(partialPath), { force: true });
}

/** Why a partial file is not ours to write, or undefined when it is a regular file we own. */
function unsafeReason(facts: Stats): string | undefined {
  if (facts.isSymbolicLink()) return "a symlink";
  if (!facts.isFile()) return "not a regular file";
  const uid = process.getuid?.();
  if (uid !== undefined && facts.uid !== uid)
    return `a file owned by uid ${facts.uid}, not by this process (uid ${uid})`;
  return undefined;
}

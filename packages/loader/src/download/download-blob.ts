import { type FileHandle, mkdir, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { Dispatcher } from "undici";
import { fsyncDirectory } from "../cache/durable-fs.js";
import { freshDispatcherLike } from "../hub/create-hub-dispatcher.js";
import { hubErrorFromResponse } from "../hub/hub-errors.js";
import { asNetworkError, hubRequest, responseFacts } from "../hub/hub-request.js";
import type { ProgressListener } from "../progress/progress-event.js";
import { ProgressTracker } from "../progress/progress-tracker.js";
import { AdaptiveLimit } from "./adaptive-limit.js";
import { BlobVerifier, digestKindForEtag } from "./blob-verifier.js";
import { type ChunkEnds, taperedChunkEnds, uniformChunkEnds } from "./chunk-layout.js";
import type { ConnectionBudget } from "./connection-budget.js";
import {
  BadRangeResponseError,
  HashMismatchError,
  IncompleteDownloadError,
  UnverifiableEtagError,
} from "./download-errors.js";
import { BackgroundFileHasher } from "./file-hasher.js";
import {
  discardPartial,
  findPartial,
  newPartialPath,
  openPartial,
  type PartialState,
  saveState,
} from "./partial-download.js";

/** Ranged GETs in flight for one file (and one snapshot) when the caller does not say. */
export const DEFAULT_MAX_CONCURRENCY = 8;

export interface DownloadTuning {
  /** Files above this many bytes go as parallel ranged GETs (default 32 MiB). */
  parallelThreshold?: number;
  /**
   * Bytes per ranged GET. By default chunks taper: up to 24 MiB, then a wave of 8 MiB and a wave of
   * 2 MiB, one chunk per connection each, so the connections finish together and little is left to
   * hash after the last byte (`taperedChunkEnds`).
   */
  chunkSize?: number;
  /**
   * Most ranged GETs in flight for one file (default 8); the adaptive limit probes up to it. A
   * snapshot holds at most this many CDN connections for all its files together.
   */
  maxConcurrency?: number;
}

export interface DownloadBlobParams extends DownloadTuning {
  dispatcher: Dispatcher;
  /** Where the bytes are now (a CDN URL for LFS files). */
  location: string;
  /** Asks the Hub again for a fresh location: signed CDN URLs expire (403). */
  relocate: () => Promise<string>;
  etag: string;
  size: number;
  /** Final path, `blobs/<etag>`; written only after every byte is verified. */
  blobPath: string;
  /** Name in progress events and errors. */
  file: string;
  token?: string | undefined;
  tokenOrigin?: string;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
  /** CDN connections shared with the other files of a snapshot (default: this file's own). */
  connections?: ConnectionBudget | undefined;
}

export interface DownloadBlobResult {
  sha256: string;
  /** Bytes fetched over the network by this call (less than size when resumed). */
  fetchedBytes: number;
  resumedBytes: number;
}

const MAX_RELOCATIONS = 3;
const MAX_SHORT_BODIES = 5;
/**
 * Downloads of one file whose bytes hash wrong before we give up. A flipped byte in transit or in
 * one CDN edge is transient; the same wrong bytes three times from fresh URLs are not.
 */
export const MAX_CORRUPT_ATTEMPTS = 3;

/**
 * Downloads one blob into `blobPath`, verified: hashed while it streams, renamed into place only
 * when the digest matches the etag, after its bytes are on disk. Large files go as parallel ranged
 * GETs; their partial file and chunk list survive a crash and are resumed. Bytes that hash wrong
 * are fetched again in full (one sha256 cannot tell which chunk was bad) from a fresh URL, past any
 * cache and on new connections, up to MAX_CORRUPT_ATTEMPTS times. The caller holds the blob's lock.
 */
export async function downloadBlob(params: DownloadBlobParams): Promise<DownloadBlobResult> {
  const kind = digestKindForEtag(params.etag);
  if (kind === undefined) throw new UnverifiableEtagError(params.file, params.etag);
  const blobsDir = dirname(params.blobPath);
  await mkdir(blobsDir, { recursive: true });
  let mismatch: HashMismatchError | undefined;
  let fetchedBefore = 0;
  for (let attempt = 1; attempt <= MAX_CORRUPT_ATTEMPTS; attempt++) {
    const afterCorruption = attempt > 1;
    // after corruption: new connections (one of the old ones may alter bytes) to a fresh URL
    const fresh = afterCorruption ? freshDispatcherLike(params.dispatcher) : undefined;
    try {
      const once = afterCorruption
        ? { ...params, dispatcher: fresh ?? params.dispatcher, location: await params.relocate() }
        : params;
      const result = await downloadOnce(once, blobsDir, kind, afterCorruption);
      return { ...result, fetchedBytes: result.fetchedBytes + fetchedBefore };
    } catch (error) {
      if (!(error instanceof CorruptBytes)) throw error;
      fetchedBefore += error.fetchedBytes;
      mismatch = new HashMismatchError(params.file, kind, params.etag, error.digest, attempt);
    } finally {
      await fresh?.close().catch(() => {});
    }
  }
  throw mismatch;
}

/** The bytes of one attempt hashed wrong; the partial file is already gone. */
class CorruptBytes extends Error {
  constructor(
    readonly digest: string,
    readonly fetchedBytes: number,
  ) {
    super(`bytes hash to ${digest}`);
  }
}

async function downloadOnce(
  params: DownloadBlobParams,
  blobsDir: string,
  kind: "sha256" | "git-sha1",
  afterCorruption: boolean,
): Promise<DownloadBlobResult> {
  const parallel = params.size > (params.parallelThreshold ?? 32 * 1024 * 1024);
  // after a corrupt attempt nothing on disk is trusted: its chunks are among the suspects
  const adopted =
    parallel && !afterCorruption ? await findPartial(blobsDir, params.etag, params.size) : undefined;
  const ends: ChunkEnds =
    adopted?.ends ??
    (!parallel
      ? uniformChunkEnds(params.size, params.size)
      : params.chunkSize !== undefined
        ? uniformChunkEnds(params.size, params.chunkSize)
        : taperedChunkEnds(params.size, params.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY));
  const partialPath = adopted?.path ?? newPartialPath(blobsDir, params.etag);
  const state: PartialState = adopted?.state ?? {
    version: 1,
    etag: params.etag,
    size: params.size,
    // a version that knows only uniform chunks reads chunkSize alone: 0 makes it start afresh
    chunkSize: parallel && params.chunkSize !== undefined ? params.chunkSize : 0,
    ends: [...ends],
    done: [],
  };
  const handle = await openPartial(partialPath, adopted !== undefined);
  let keepPartial = parallel;
  try {
    if (!adopted) await handle.truncate(params.size);
    const result = await fetchAll(params, handle, partialPath, state, ends, kind, afterCorruption, parallel);
    if (result.digest !== params.etag) {
      keepPartial = false;
      throw new CorruptBytes(result.digest, result.fetchedBytes);
    }
    // the data must be on disk before its name says it is complete, or a power loss could leave
    // a zero-filled file under the final name (and a cached blob is trusted without re-hashing)
    await handle.sync();
    await handle.close();
    await rename(partialPath, params.blobPath);
    await fsyncDirectory(blobsDir);
    await discardPartial(partialPath); // the state file; the data file is the blob now
    return result;
  } catch (error) {
    await handle.close().catch(() => {});
    if (!keepPartial) await discardPartial(partialPath);
    throw error;
  }
}

async function fetchAll(
  params: DownloadBlobParams,
  handle: FileHandle,
  partialPath: string,
  state: PartialState,
  ends: ChunkEnds,
  kind: "sha256" | "git-sha1",
  afterCorruption: boolean,
  parallel: boolean,
): Promise<DownloadBlobResult & { digest: string }> {
  const { size } = params;
  const count = ends.length;
  const chunkRange = (i: number) => ({ start: i === 0 ? 0 : ends[i - 1]!, end: ends[i]! - 1 });
  const tracker = new ProgressTracker(params.file, size, params.onProgress);
  let wake: () => void = () => {};
  // one sequential GET: hash its pieces as they arrive; parallel ranged GETs: hash the file in
  // order on a worker thread as its prefix lands on disk (resumed chunks included)
  const inline = parallel ? undefined : new BlobVerifier(kind, size);
  const background = parallel
    ? new BackgroundFileHasher(handle.fd, kind, size, ends, () => wake())
    : undefined;
  const done = new Set(state.done.filter((i) => i >= 0 && i < count));
  let resumedBytes = 0;
  for (const i of done) {
    background?.complete(i);
    const { start, end } = chunkRange(i);
    resumedBytes += end - start + 1;
  }
  tracker.skip(resumedBytes);

  const internal = new AbortController();
  const onAbort = () => internal.abort(params.signal?.reason);
  params.signal?.addEventListener("abort", onAbort, { once: true });
  if (params.signal?.aborted) onAbort();

  let location = params.location;
  let relocating: Promise<string> | undefined;
  let relocations = 0;
  /** A fresh location, or false when the retry budget for re-resolving is spent. */
  const relocate = async (staleUrl: string): Promise<string | false> => {
    if (location !== staleUrl) return location; // another chunk already got a fresh one
    if (relocating === undefined && relocations++ >= MAX_RELOCATIONS) return false;
    relocating ??= params.relocate().then((fresh) => {
      location = fresh;
      relocating = undefined;
      return fresh;
    });
    return relocating;
  };

  const limit = new AdaptiveLimit(params.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
  const window = Math.max(2, limit.max * 2);
  const queue = [...Array(count).keys()].filter((i) => !done.has(i));
  let fetchedBytes = 0;
  let saving = Promise.resolve();

  const fetchChunk = async (index: number) => {
    const { start, end } = chunkRange(index);
    let position = start;
    let shortBodies = 0;
    for (;;) {
      const url = location;
      const ranged = count > 1 || position > 0;
      let response: Awaited<ReturnType<typeof hubRequest>>;
      try {
        response = await hubRequest({
          dispatcher: params.dispatcher,
          url,
          followCrossOrigin: true,
          token: params.token,
          tokenOrigin: params.tokenOrigin ?? "",
          headers: {
            ...(ranged ? { range: `bytes=${position}-${end}` } : {}),
            // a corrupt copy may sit in a CDN edge or proxy cache: ask for the origin's bytes
            ...(afterCorruption ? { "cache-control": "no-cache" } : {}),
          },
          signal: internal.signal,
        });
      } catch (error) {
        // a 200/206 whose framing lies (its Content-Length disagrees with its Content-Range: the
        // retry interceptor refuses it outright) is a broken answer like a cut body: ask again,
        // within the same budget; past it, the server's Range support is broken
        if (!isMalformedSuccess(error)) throw error;
        if (++shortBodies > MAX_SHORT_BODIES)
          throw badRangeAnswer(url, position, end, size, error, shortBodies);
        limit.trouble();
        continue;
      }
      if (response.statusCode === 403 || response.statusCode === 410) {
        // signed CDN URLs expire: ask the Hub for a fresh one, a few times at most
        const fresh = await relocate(url);
        if (fresh !== false) {
          await response.body.dump().catch(() => {});
          limit.trouble();
          continue;
        }
      }
      if (response.statusCode !== (ranged ? 206 : 200)) {
        if (response.statusCode === 200 || response.statusCode === 206 || response.statusCode === 416) {
          await response.body.dump().catch(() => {});
          throw new BadRangeResponseError(
            url,
            `206 for bytes=${position}-${end}`,
            `HTTP ${response.statusCode}`,
          );
        }
        throw hubErrorFromResponse(await responseFacts(response), params.file);
      }
      if (ranged) {
        const contentRange = response.headers["content-range"] ?? "";
        if (!contentRange.startsWith(`bytes ${position}-${end}/`)) {
          await response.body.dump().catch(() => {});
          throw new BadRangeResponseError(
            url,
            `Content-Range: bytes ${position}-${end}/${size}`,
            contentRange,
          );
        }
      }
      const batch = new WriteBatch(handle, position, (to) => background?.written(index, to));
      try {
        for await (const piece of response.body as AsyncIterable<Buffer>) {
          if (position + piece.length > end + 1)
            throw new BadRangeResponseError(
              url,
              `${end + 1 - start} bytes for this range`,
              "more bytes than asked",
            );
          inline?.update(piece);
          position += piece.length;
          fetchedBytes += piece.length;
          tracker.add(piece.length);
          if (batch.add(piece)) await batch.flush();
        }
        await batch.flush();
      } catch (error) {
        // undici resumes a cut body itself (Range + If-Match); an answer for other bytes than those
        // asked is broken Range support, not an HTTP error
        if (isMalformedSuccess(error) && !internal.signal.aborted)
          throw badRangeAnswer(url, position, end, size, error, 1);
        throw asNetworkError(url, error, internal.signal);
      }
      if (position === end + 1) break;
      // the body ended cleanly but short: resume this chunk from where it stopped
      limit.trouble();
      if (++shortBodies > MAX_SHORT_BODIES)
        throw new IncompleteDownloadError(url, end + 1 - start, position - start);
    }
    background?.complete(index);
    limit.chunkDone(end + 1 - start);
    if (count > 1) {
      state.done.push(index);
      journal();
    }
  };
  // One journal save queued at most: chunks finishing while a save runs share the next one (it
  // reads the state when it starts), instead of an fdatasync and a durable rename per chunk (a 256
  // MiB file at the cap finished ~35 chunks a second; each save is 3 fsyncs).
  let journalQueued = false;
  const journal = () => {
    if (journalQueued) return;
    journalQueued = true;
    saving = saving
      .then(async () => {
        journalQueued = false;
        // taken before the fdatasync: the journal may only name chunks whose bytes are on disk
        const snapshot = { ...state, done: [...state.done] };
        await handle.datasync();
        await saveState(partialPath, snapshot);
      })
      .catch(() => {});
  };

  const { connections } = params;
  // another file of the snapshot giving a connection back may let this one start a chunk
  const stopWaiting = connections?.onGiven(() => wake());
  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      let failure: unknown;
      const pump = () => {
        if (failure !== undefined) {
          if (active === 0) reject(failure);
          return;
        }
        const cursor = background?.cursor ?? 0;
        while (
          active < limit.current &&
          queue.length > 0 &&
          queue[0]! < cursor + window &&
          (connections?.tryTake() ?? true) // last: taken only when this chunk starts
        ) {
          const index = queue.shift()!;
          active++;
          fetchChunk(index).then(
            () => {
              active--;
              connections?.give();
              pump();
            },
            (error: unknown) => {
              active--;
              connections?.give();
              failure ??= error;
              internal.abort(error);
              pump();
            },
          );
        }
        if (queue.length === 0 && active === 0) resolve();
      };
      wake = pump;
      pump();
    });
    const { sha256, digest } = background ? await background.finish() : inline!.finish();
    tracker.finish();
    return { sha256, digest, fetchedBytes, resumedBytes };
  } finally {
    stopWaiting?.();
    params.signal?.removeEventListener("abort", onAbort);
    await background?.close();
    await saving;
  }
}

/** Bytes gathered before one positioned write: one `pwritev` per MiB, not one `pwrite` per socket read. */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** Well under IOV_MAX (1024) even when the socket hands over small pieces. */
const WRITE_BATCH_PIECES = 256;

/**
 * Collects the consecutive pieces of one body and writes them with one positioned `writev`.
 * Socket reads come in pieces of 16-64 KiB; a thread-pool round trip for each cost more CPU than
 * the rest of the download (256 MiB in 64 KiB writes: ~0.8 s; in 1 MiB writev: ~0.1 s).
 */
class WriteBatch {
  #pieces: Buffer[] = [];
  #bytes = 0;

  /** `onWritten(end)`: the body's bytes up to offset `end` (exclusive) are on disk. */
  constructor(
    private readonly handle: FileHandle,
    private position: number,
    private readonly onWritten: (end: number) => void,
  ) {}

  /** Adds a piece; true when the batch is full and should be flushed now. */
  add(piece: Buffer): boolean {
    this.#pieces.push(piece);
    this.#bytes += piece.length;
    return this.#bytes >= WRITE_BATCH_BYTES || this.#pieces.length >= WRITE_BATCH_PIECES;
  }

  async flush(): Promise<void> {
    let pieces = this.#pieces;
    let left = this.#bytes;
    this.#pieces = [];
    this.#bytes = 0;
    while (left > 0) {
      const { bytesWritten } = await this.handle.writev(pieces, this.position);
      this.position += bytesWritten;
      left -= bytesWritten;
      if (left > 0) pieces = remainderAfter(pieces, bytesWritten);
    }
    this.onWritten(this.position);
  }
}

/** The pieces still to write after a short `writev` wrote `written` bytes. */
function remainderAfter(pieces: Buffer[], written: number): Buffer[] {
  let skip = written;
  const rest: Buffer[] = [];
  for (const piece of pieces) {
    if (skip >= piece.length) {
      skip -= piece.length;
      continue;
    }
    rest.push(skip > 0 ? piece.subarray(skip) : piece);
    skip = 0;
  }
  return rest;
}

/**
 * A 200/206 that undici's retry interceptor refused, as the typed error. A first answer is refused
 * only when its Content-Length and Content-Range disagree (hubRequest keeps just the status); a
 * resumed one also when its Content-Range is not the rest asked for (the raw error, with headers).
 */
function badRangeAnswer(
  url: string,
  position: number,
  end: number,
  size: number,
  error: unknown,
  answers: number,
): BadRangeResponseError {
  const { headers, statusCode } = error as {
    headers?: Record<string, string | string[] | undefined>;
    statusCode: number;
  };
  const asked = `Content-Range: bytes ${position}-${end}/${size}`;
  if (headers === undefined) {
    return new BadRangeResponseError(
      url,
      asked,
      `HTTP ${statusCode} whose Content-Length disagrees with its Content-Range, ${answers} times`,
    );
  }
  const range = headers["content-range"] ?? "no Content-Range";
  const length = headers["content-length"] ?? "absent";
  return new BadRangeResponseError(
    url,
    asked,
    `${String(range)}, Content-Length ${String(length)} (HTTP ${statusCode}: ${(error as Error).message})`,
  );
}

function isMalformedSuccess(error: unknown): boolean {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return status === 200 || status === 206;
}

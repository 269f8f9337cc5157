import { Worker } from "node:worker_threads";
import type { DigestKind } from "./blob-verifier.js";
import type { ChunkEnds } from "./chunk-layout.js";

/**
 * The worker's code, as source: the loader runs from TypeScript in tests and from dist/ in use, so
 * a worker file next to this one would not exist in both. Dynamic imports, because an eval'd
 * worker is CommonJS or an ES module depending on the parent's flags (`--input-type=module`). It
 * hashes what BlobVerifier hashes (the sha256, and git's blob sha1 when the etag is one), reading
 * the file back in order; messages that come before the imports settle wait in the port.
 */
const WORKER_SOURCE = `
Promise.all([import("node:worker_threads"), import("node:fs"), import("node:crypto")]).then(
  ([{ parentPort, workerData }, { readSync }, { createHash }]) => {
    const { fd, kind, size } = workerData;
    const sha256 = createHash("sha256");
    const gitSha1 = kind === "git-sha1" ? createHash("sha1").update("blob " + size + "\\0") : undefined;
    const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
    let hashed = 0;
    let ready = 0;
    let ending = false;
    let failed = false;
    parentPort.on("message", (message) => {
      if (failed) return;
      ready = Math.max(ready, message.ready);
      if (message.end) ending = true;
      try {
        while (hashed < ready) {
          const n = readSync(fd, buffer, 0, Math.min(buffer.length, ready - hashed), hashed);
          if (n === 0) throw new Error("the partial file ended at byte " + hashed + " of " + ready);
          const bytes = buffer.subarray(0, n);
          sha256.update(bytes);
          if (gitSha1) gitSha1.update(bytes);
          hashed += n;
        }
        if (ending) {
          const sha = sha256.digest("hex");
          parentPort.postMessage({ sha256: sha, digest: gitSha1 ? gitSha1.digest("hex") : sha });
        }
      } catch (error) {
        failed = true;
        parentPort.postMessage({ error: String((error && error.stack) || error) });
      }
    });
  },
);
`;

/**
 * Hashes a file being written out of order by parallel ranged GETs, in file order, on a worker
 * thread that reads back each stretch once every byte before it is on disk. Before, the main thread
 * hashed and held every chunk that arrived ahead of the first unfinished one in memory: on a
 * 2-core machine the sha256 (~0.15-0.2 s per 256 MiB) and the garbage collection of those buffers
 * competed with receiving and writing. Reading back from the page cache costs a copy, off the
 * main thread; it also means the digest covers the bytes as they are in the file.
 */
export class BackgroundFileHasher {
  readonly #worker: Worker;
  readonly #writtenTo: number[];
  readonly #result: Promise<{ sha256: string; digest: string }>;
  #cursor = 0;
  #posted = 0;

  /**
   * `fd` must stay open until `finish()` settles or `close()` is called; `ends` is the file's
   * chunk layout; `onAdvance` runs when the cursor moves.
   */
  constructor(
    fd: number,
    kind: DigestKind,
    private readonly size: number,
    private readonly ends: ChunkEnds,
    private readonly onAdvance: () => void = () => {},
  ) {
    this.#writtenTo = ends.map((_, i) => (i === 0 ? 0 : ends[i - 1]!));
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd, kind, size } });
    this.#result = new Promise((resolve, reject) => {
      this.#worker.on("message", (message: { error?: string; sha256?: string; digest?: string }) => {
        if (message.error !== undefined) reject(new Error(`hashing the download failed: ${message.error}`));
        else resolve({ sha256: message.sha256!, digest: message.digest! });
      });
      this.#worker.once("error", reject);
      this.#worker.once("exit", (code) => reject(new Error(`the hashing thread exited (${code})`)));
    });
    this.#result.catch(() => {}); // observed by finish(); never an unhandled rejection
  }

  /** Index of the first chunk not yet wholly on disk: the scheduler keeps requests near it. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Chunk `index` is on disk from its start up to byte offset `end` (exclusive). */
  written(index: number, end: number): void {
    this.#writtenTo[index] = Math.max(this.#writtenTo[index]!, end);
    if (index === this.#cursor) this.#advance();
  }

  /** Chunk `index` is wholly on disk (finished now, or by an earlier process). */
  complete(index: number): void {
    this.written(index, this.ends[index]!);
  }

  /** The digests once every byte is written; rejects if the file cannot be read back. */
  finish(): Promise<{ sha256: string; digest: string }> {
    if (this.#posted !== this.size)
      return Promise.reject(
        new Error(`hashing asked to finish with ${this.#posted} of ${this.size} bytes written`),
      );
    this.#worker.postMessage({ ready: this.#posted, end: true });
    return this.#result;
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  #advance(): void {
    const before = this.#cursor;
    while (
      this.#cursor < this.#writtenTo.length &&
      this.#writtenTo[this.#cursor]! >= this.ends[this.#cursor]!
    )
      this.#cursor++;
    const ready = this.#cursor < this.#writtenTo.length ? this.#writtenTo[this.#cursor]! : this.size;
    if (ready > this.#posted) {
      this.#posted = ready;
      this.#worker.postMessage({ ready });
    }
    if (this.#cursor !== before) this.onAdvance();
  }
}

import { constants } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { binding } from "../binding.js";
import { FileLockError } from "../errors/native-errors.js";

export interface FileLockOptions {
  /** Take a shared (reader) lock instead of an exclusive one. */
  shared?: boolean;
  /** Give up with AOTIHUB_LOCK_ABORTED when this signal aborts. */
  signal?: AbortSignal;
  /** Give up with AOTIHUB_LOCK_TIMEOUT after this many ms (default: wait forever). */
  timeoutMs?: number;
  /** First polling interval in ms (default 5); it backs off to 100 ms. */
  pollMs?: number;
}

export interface FileLock {
  readonly path: string;
  readonly shared: boolean;
  /** Releases the lock; the file stays, as Python's filelock leaves it (unlinking splits waiters). */
  release(): Promise<void>;
}

const MAX_POLL_MS = 100;

/**
 * Takes an flock(2) on `path` (created if missing, mode 0644, parent folders too): the same lock
 * Python's `filelock.FileLock` takes, so a Node process and huggingface_hub exclude each other on
 * the cache's `.locks/` files. Never blocks the event loop: it tries without blocking and polls.
 */
export async function acquireFileLock(path: string, options: FileLockOptions = {}): Promise<FileLock> {
  const { shared = false, signal, timeoutMs, pollMs = 5 } = options;
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
    throw new FileLockError("AOTIHUB_LOCK_INVALID_ARGUMENT", "Invalid timeoutMs for acquireFileLock.", {
      expected: "a non-negative number of milliseconds",
      received: `${String(timeoutMs)} of type ${typeof timeoutMs}`,
    });
  }
  throwIfAborted(signal, path);
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  const started = Date.now();
  let wait = pollMs;
  try {
    for (;;) {
      if (binding().flock(file.fd, shared ? 0 : 1)) return new HeldLock(path, shared, file);
      throwIfAborted(signal, path);
      const waited = Date.now() - started;
      if (timeoutMs !== undefined && waited >= timeoutMs) {
        throw new FileLockError("AOTIHUB_LOCK_TIMEOUT", `Timed out waiting for the lock on ${path}.`, {
          expected: `the ${shared ? "shared" : "exclusive"} lock within ${timeoutMs} ms`,
          received: "another process (or handle) still holds it",
          hint: "another download of the same file may be running; wait for it, or raise timeoutMs",
        });
      }
      const remaining = timeoutMs === undefined ? wait : Math.min(wait, timeoutMs - waited);
      await sleep(Math.max(1, remaining), undefined, { signal }).catch(() => undefined);
      wait = Math.min(wait * 2, MAX_POLL_MS);
    }
  } catch (error) {
    await file.close();
    throw error;
  }
}

class HeldLock implements FileLock {
  #file: FileHandle | null;
  constructor(
    readonly path: string,
    readonly shared: boolean,
    file: FileHandle,
  ) {
    this.#file = file;
  }

  async release(): Promise<void> {
    const file = this.#file;
    if (file === null) return;
    this.#file = null;
    binding().flock(file.fd, 2);
    await file.close();
  }
}

function throwIfAborted(signal: AbortSignal | undefined, path: string): void {
  if (signal?.aborted) {
    throw new FileLockError("AOTIHUB_LOCK_ABORTED", `Stopped waiting for the lock on ${path}.`, {
      received: "the AbortSignal fired",
      cause: signal.reason,
    });
  }
}

import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { acquireFileLock } from "@aotihub/native";

/**
 * Runs `work` holding the flock Python's huggingface_hub takes for the same blob
 * (`.locks/<folder>/<etag>.lock`), so a Python process and ours never write one blob at once.
 */
export async function withBlobFileLock<T>(
  lockPath: string,
  signal: AbortSignal | undefined,
  work: () => Promise<T>,
): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true });
  const lock = await acquireFileLock(lockPath, signal === undefined ? {} : { signal }).catch(
    (error: unknown) => {
      // The caller's abort reads the same wherever it lands (the lock's wait or a download beside
      // it): the signal's reason, an AbortError, as the downloads throw (asNetworkError).
      throw signal?.aborted ? (signal.reason ?? error) : error;
    },
  );
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

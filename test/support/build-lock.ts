import { open, readFile, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

export interface BuildLockOptions {
  /** Give up waiting after this long (a cold model build takes minutes on 2 cores). */
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * Runs `build` while holding an exclusive marker file created with `open(path, "wx")`, so vitest
 * forks racing for the same cache entry build it once. Waiters poll `isDone` (the result may
 * appear before the marker is gone) and take over a marker whose owner process has died.
 */
export async function withBuildLock(
  lockPath: string,
  isDone: () => Promise<boolean>,
  build: () => Promise<void>,
  { timeoutMs = 20 * 60_000, pollMs = 250 }: BuildLockOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isDone()) return;
    const handle = await open(lockPath, "wx").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EEXIST") return null;
      throw error;
    });
    if (handle) {
      try {
        await handle.writeFile(String(process.pid));
        await handle.close();
        if (!(await isDone())) await build();
        return;
      } finally {
        await rm(lockPath, { force: true });
      }
    }
    if (await ownerIsGone(lockPath)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${lockPath} (held by another build)`);
    }
    await sleep(pollMs);
  }
}

async function ownerIsGone(lockPath: string): Promise<boolean> {
  const text = await readFile(lockPath, "utf8").catch(() => null);
  if (text === null) return false;
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    // Created but not yet written: only stale if it has stayed empty for a while.
    const info = await stat(lockPath).catch(() => null);
    return info !== null && Date.now() - info.mtimeMs > 30_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

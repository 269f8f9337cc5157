import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireFileLock } from "@aotihub/native";
import { afterEach, describe, expect, it } from "vitest";
import { testPython } from "../support/python.js";

const dir = mkdtempSync(join(tmpdir(), "aotihub-lock-"));
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill();
  child = undefined;
});

/** Python's filelock.FileLock holds `path` until we write a line to its stdin. */
async function pythonHolds(path: string): Promise<ChildProcess> {
  const script = [
    "import sys, filelock",
    `lock = filelock.FileLock(sys.argv[1])`,
    "lock.acquire()",
    "print('held', flush=True)",
    "sys.stdin.readline()",
    "lock.release()",
    "print('released', flush=True)",
  ].join("\n");
  const proc = spawn(testPython(), ["-c", script, path], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout?.once("data", (d: Buffer) =>
      d.toString().includes("held") ? resolve() : reject(new Error(String(d))),
    );
    proc.once("exit", (code) => reject(new Error(`python exited ${code}`)));
  });
  return proc;
}

/** Asks Python's filelock whether it could take `path` right now (timeout 0). */
async function pythonCanTake(path: string): Promise<boolean> {
  const script =
    "import sys, filelock\ntry:\n  filelock.FileLock(sys.argv[1], timeout=0).acquire(); print('yes')\nexcept filelock.Timeout:\n  print('no')";
  const proc = spawn(testPython(), ["-c", script, path], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await new Promise((resolve) => proc.once("exit", resolve));
  return out.trim() === "yes";
}

describe("acquireFileLock", () => {
  it("waits for Python's filelock.FileLock and gets the lock once Python releases it", async () => {
    const path = join(dir, "a", "b.lock");
    child = await pythonHolds(path);
    await expect(acquireFileLock(path, { timeoutMs: 150 })).rejects.toMatchObject({
      code: "AOTIHUB_LOCK_TIMEOUT",
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const pending = acquireFileLock(path, { timeoutMs: 10_000 });
    setTimeout(() => child?.stdin?.write("go\n"), 200);
    const lock = await pending;
    clearInterval(timer);
    // The event loop kept running while we waited: the lock is only freed by a timer of ours
    // ("go"), so a blocking wait never returns; how many ticks fit depends on the machine's load.
    expect(ticks).toBeGreaterThan(0);
    expect(lock.shared).toBe(false);
    await lock.release();
  });

  it("excludes Python while Node holds the lock, and frees it on release", async () => {
    const path = join(dir, "node-first.lock");
    const lock = await acquireFileLock(path);
    expect(await pythonCanTake(path)).toBe(false);
    await lock.release();
    await lock.release(); // idempotent
    expect(await pythonCanTake(path)).toBe(true);
  });

  it("shares shared locks and excludes an exclusive one", async () => {
    const path = join(dir, "shared.lock");
    const a = await acquireFileLock(path, { shared: true });
    const b = await acquireFileLock(path, { shared: true, timeoutMs: 0 });
    await expect(acquireFileLock(path, { timeoutMs: 50 })).rejects.toMatchObject({
      code: "AOTIHUB_LOCK_TIMEOUT",
    });
    await a.release();
    await b.release();
    const c = await acquireFileLock(path, { timeoutMs: 0 });
    await c.release();
  });

  it("stops waiting when the AbortSignal fires", async () => {
    const path = join(dir, "abort.lock");
    const held = await acquireFileLock(path);
    const controller = new AbortController();
    // No timeout: the lock is held, so only the abort can end this wait (else the test times out).
    const waiting = acquireFileLock(path, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user gave up")), 50);
    await expect(waiting).rejects.toMatchObject({
      code: "AOTIHUB_LOCK_ABORTED",
    });
    await expect(acquireFileLock(path, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: "AOTIHUB_LOCK_ABORTED",
    });
    await held.release();
  });

  it("rejects a bad timeout with a typed error", async () => {
    await expect(acquireFileLock(join(dir, "x.lock"), { timeoutMs: -1 })).rejects.toMatchObject({
      code: "AOTIHUB_LOCK_INVALID_ARGUMENT",
    });
  });
});

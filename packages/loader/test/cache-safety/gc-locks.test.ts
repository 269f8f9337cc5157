import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import {
  startTestHubServer,
  syntheticBytes,
  syntheticContent,
  type TestHubServer,
} from "@aotihub/hub-server/testing";
import { CacheLayout, createHubDispatcher, downloadFile, HubClient, parseRepoId } from "@aotihub/loader";
import { acquireFileLock } from "@aotihub/native";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { linkSnapshot } from "../../src/cache/link-snapshot.js";
import { assertCacheSound } from "../support/cache-assertions.js";
import { mainCommit, REPO, sha256Of, writeServedRepo } from "../support/served-repo.js";

// `cache gc` and downloads in different processes, the interleaving forced by holding the blob's
// lock in this process (the lock a download holds from its rename to its link), not by timing.
const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../../..");
const repo = parseRepoId(REPO);
const PATH = "weights/model.safetensors";
const BYTES = syntheticBytes(syntheticContent(1 << 20, 5));
let hub: TestHubServer;
let root: string;
let COMMIT: string;
let cacheDir: string;
const layout = () => new CacheLayout(cacheDir);
const etag = () => sha256Of(BYTES);
const blobPath = () => layout().blobPath(repo, etag());
const pointer = () => layout().snapshotPath(repo, COMMIT, PATH);

const gcChild = async (): Promise<{ removed: { blob: string }[]; skipped: { blob: string }[] }> => {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "packages/loader/src/cli/main.ts", "cache", "gc", "--json"],
    { cwd: repoRoot, env: { ...process.env, HF_HUB_CACHE: cacheDir, HF_HOME: cacheDir } },
  );
  return JSON.parse(stdout);
};

/** A downloaded blob whose snapshot link is gone: what gc collects. */
async function unlinkedBlob(): Promise<void> {
  const config = { endpoint: hub.url, token: undefined, hfHome: cacheDir, cacheDir, offline: false };
  await downloadFile({
    repo,
    path: PATH,
    config,
    client: new HubClient({ config, dispatcher: createHubDispatcher() }),
  });
  rmSync(join(layout().repoDir(repo), "snapshots"), { recursive: true });
}

beforeAll(async () => {
  root = await writeServedRepo({ [PATH]: BYTES });
  hub = await startTestHubServer({ root });
  COMMIT = await mainCommit(hub.url);
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-gc-"));
  hub.requests.length = 0;
  return () => rmSync(cacheDir, { recursive: true, force: true });
});

describe("a download waiting for the blob's lock", () => {
  it("rejects with its caller's AbortError when aborted while another holder keeps the lock", async () => {
    // the blob is cached already, so the download's only step after its metadata is the lock
    await unlinkedBlob();
    hub.requests.length = 0;
    const config = { endpoint: hub.url, token: undefined, hfHome: cacheDir, cacheDir, offline: false };
    const lock = await acquireFileLock(layout().lockPath(repo, etag()));
    const controller = new AbortController();
    try {
      const download = downloadFile({
        repo,
        path: PATH,
        config,
        client: new HubClient({ config, dispatcher: createHubDispatcher() }),
        signal: controller.signal,
      });
      download.catch(() => {});
      // past the metadata request it can only be waiting for the lock held above
      while (!hub.requests.some((r) => r.method === "HEAD" && r.url.includes("/resolve/"))) {
        await new Promise((done) => setTimeout(done, 5));
      }
      controller.abort();
      // the same error a download aborted mid-transfer gives, not the lock's own AOTIHUB_LOCK_ABORTED
      await expect(download).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      await lock.release();
    }
    expect(existsSync(blobPath())).toBe(true); // nothing cached is lost
    expect(existsSync(pointer())).toBe(false);
    assertCacheSound(layout().repoDir(repo));
  });
});

describe("cache gc and concurrent downloads", () => {
  it("leaves a blob alone while a download holds its lock, and takes it once unlinked and free", async () => {
    await unlinkedBlob();
    const lock = await acquireFileLock(layout().lockPath(repo, etag()));
    try {
      // a download between its rename and its link holds exactly this lock
      const during = await gcChild();
      expect(during.removed).toEqual([]);
      expect(during.skipped.map((s) => s.blob)).toEqual([etag()]);
      expect(existsSync(blobPath())).toBe(true);
      await linkSnapshot(blobPath(), pointer());
    } finally {
      await lock.release();
    }
    expect((await gcChild()).removed).toEqual([]); // linked now: kept
    assertCacheSound(layout().repoDir(repo));
    rmSync(pointer());
    expect((await gcChild()).removed.map((r) => r.blob)).toEqual([etag()]);
    expect(existsSync(blobPath())).toBe(false);
  });

  it("links an existing blob only under its lock, so a gc in between cannot orphan the link", async () => {
    await unlinkedBlob();
    hub.requests.length = 0;
    const lock = await acquireFileLock(layout().lockPath(repo, etag()));
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        resolve(import.meta.dirname, "../support/download-child.ts"),
        hub.url,
        cacheDir,
        PATH,
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    let exitedEarly = false;
    try {
      // the child has the blob's metadata; from here it must wait for the lock before linking
      while (!hub.requests.some((r) => r.method === "HEAD" && r.url.includes("/resolve/"))) {
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      // give a download that wrongly links without the lock the time to do so (this only ever
      // makes the check stricter: a correct download waits however long this is)
      exitedEarly = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1500)),
      ]);
      // what gc does under the lock: the blob is unlinked, so it goes
      rmSync(blobPath());
    } finally {
      await lock.release();
    }
    expect(await exited, stderr).toBe(0);
    expect(exitedEarly).toBe(false);
    const file = JSON.parse(stdout) as { fetchedBytes: number };
    expect(file.fetchedBytes).toBe(1 << 20); // fetched again, since gc took the old copy
    expect(assertCacheSound(layout().repoDir(repo))).toEqual([etag()]);
    expect(existsSync(pointer())).toBe(true);
  });
});

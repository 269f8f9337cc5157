import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import {
  CacheLayout,
  createHubDispatcher,
  downloadFile,
  HubClient,
  linkSnapshot,
  parseRepoId,
} from "@aotihub/loader";
import { lockFile } from "@aotihub/native";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { assertCacheSound } from "../support/cache-assertions.js";
import { COMMIT, REPO, ScriptedHub, syntheticContent } from "../support/scripted-hub.js";

// `cache gc` and downloads in different processes, the interleaving forced by holding the blob's
// lock in this process (the lock a download holds from its rename to its link), not by timing.
const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../../..");
const repo = parseRepoId(REPO);
const PATH = "weights/model.safetensors";
let hub: ScriptedHub;
let cacheDir: string;
const layout = () => new CacheLayout(cacheDir);
const etag = () => hub.entry(PATH).etag;
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
  const config = { endpoint: hub.hubUrl, token: undefined, hfHome: cacheDir, cacheDir, offline: false };
  await downloadFile({
    repo,
    path: PATH,
    config,
    client: new HubClient({ config, dispatcher: createHubDispatcher() }),
  });
  rmSync(join(layout().repoDir(repo), "snapshots"), { recursive: true });
}

beforeAll(async () => {
  hub = await new ScriptedHub([{ path: PATH, content: syntheticContent(1 << 20, 5), lfs: true }]).start();
});
afterAll(() => hub.close());
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-gc-"));
  hub.log.length = 0;
  return () => rmSync(cacheDir, { recursive: true, force: true });
});

describe("cache gc and concurrent downloads", () => {
  it("leaves a blob alone while a download holds its lock, and takes it once unlinked and free", async () => {
    await unlinkedBlob();
    const lock = await lockFile(layout().lockPath(repo, etag()));
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
    hub.log.length = 0;
    const lock = await lockFile(layout().lockPath(repo, etag()));
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        resolve(import.meta.dirname, "../support/download-child.ts"),
        hub.hubUrl,
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
      while (!hub.log.some((l) => l.startsWith("HEAD hub"))) {
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

import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestHubServer, type TestHubServer } from "@aotihub/hub-server/testing";
import {
  CacheLayout,
  createHubDispatcher,
  downloadFile,
  gcCache,
  HubClient,
  type HubConfig,
  KnownMissingError,
  NotInCacheError,
  parseRepoId,
  scanCache,
  verifyCache,
} from "@aotihub/loader";
import { acquireFileLock } from "@aotihub/native";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mainCommit, REPO, sha256Of, writeServedRepo } from "../support/served-repo.js";

// The cache functions `aotihub cache verify|gc|ls` run, called in this process on a cache filled by
// real downloads from the local Hub (the CLI tests run them as child processes, which mutation
// testing cannot see). Hashes are judged by node:crypto, not by the code under test.

const repo = parseRepoId(REPO);
const CONFIG = '{"hidden": 16}\n';
const WEIGHTS = Buffer.alloc(70_000, 7);
let hub: TestHubServer;
let served: string;
let commit: string;
let cacheDir: string;
let layout: CacheLayout;

beforeAll(async () => {
  served = await writeServedRepo({ "config.json": Buffer.from(CONFIG), "model.safetensors": WEIGHTS });
  hub = await startTestHubServer({ root: served });
  commit = await mainCommit(hub.url);
});
afterAll(async () => {
  await hub.close();
  rmSync(served, { recursive: true, force: true });
});
afterEach(() => {
  if (cacheDir !== undefined) rmSync(cacheDir, { recursive: true, force: true });
});
/**
 * A fresh cache holding both files, downloaded inside each test rather than in a hook: the per-test
 * coverage of mutation testing sees only what a test body runs (the cache writes among it).
 */
async function fillCache(): Promise<void> {
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-cache-fns-"));
  layout = new CacheLayout(cacheDir);
  const config: HubConfig = {
    endpoint: hub.url,
    token: undefined,
    hfHome: cacheDir,
    cacheDir,
    offline: false,
  };
  const client = new HubClient({ config, dispatcher: createHubDispatcher() });
  for (const path of ["config.json", "model.safetensors"]) await downloadFile({ repo, path, config, client });
}

const gitBlobId = (bytes: Buffer | string) =>
  createHash("sha1")
    .update(`blob ${Buffer.byteLength(bytes)}\0`)
    .update(bytes)
    .digest("hex");

describe("verifyCache", () => {
  it("re-hashes every blob by the kind its name says, and names what a damaged one hashes to", async () => {
    await fillCache();
    const checks = await verifyCache(cacheDir);
    const label = `models/${REPO}`;
    expect(checks.sort((a, b) => a.blob.localeCompare(b.blob))).toEqual(
      [
        { repo: label, blob: gitBlobId(CONFIG), ok: true },
        { repo: label, blob: sha256Of(WEIGHTS), ok: true },
      ].sort((a, b) => a.blob.localeCompare(b.blob)),
    );

    const damaged = Buffer.from(WEIGHTS);
    damaged.writeUInt8(8, 1000);
    writeFileSync(layout.blobPath(repo, sha256Of(WEIGHTS)), damaged);
    writeFileSync(join(layout.blobsDir(repo), "not-a-hash"), "x");
    const after = await verifyCache(cacheDir);
    const failed = after.filter((c) => !c.ok);
    expect(failed).toHaveLength(2);
    expect(failed).toEqual(
      expect.arrayContaining([
        { repo: label, blob: "not-a-hash", ok: false, actual: "not a hash name" },
        { repo: label, blob: sha256Of(WEIGHTS), ok: false, actual: sha256Of(damaged) },
      ]),
    );
  });
});

describe("gcCache", () => {
  it("removes only blobs no snapshot links, reports their bytes; a dry run removes nothing", async () => {
    await fillCache();
    const orphan = "0".repeat(64);
    writeFileSync(join(layout.blobsDir(repo), orphan), "orphan bytes");
    const dry = await gcCache(cacheDir, { dryRun: true });
    expect(dry).toEqual({
      removed: [{ repo: `models/${REPO}`, blob: orphan, bytes: 12 }],
      skipped: [],
      freedBytes: 12,
    });
    expect(existsSync(join(layout.blobsDir(repo), orphan))).toBe(true);

    expect(await gcCache(cacheDir)).toEqual(dry);
    expect(existsSync(join(layout.blobsDir(repo), orphan))).toBe(false);
    expect((await verifyCache(cacheDir)).every((c) => c.ok)).toBe(true);
    expect(await gcCache(cacheDir)).toEqual({ removed: [], skipped: [], freedBytes: 0 });
  });

  it("skips a blob whose lock a download holds, and refuses a read-only cache unless dry", async () => {
    await fillCache();
    const orphan = "1".repeat(64);
    writeFileSync(join(layout.blobsDir(repo), orphan), "held");
    const lock = await acquireFileLock(layout.lockPath(repo, orphan), { timeoutMs: 0 });
    try {
      expect(await gcCache(cacheDir)).toEqual({
        removed: [],
        skipped: [{ repo: `models/${REPO}`, blob: orphan, reason: "a download holds its lock" }],
        freedBytes: 0,
      });
    } finally {
      await lock.release();
    }
    await expect(gcCache(cacheDir, { readOnlyCache: true })).rejects.toMatchObject({
      code: "AOTIHUB_CACHE_READ_ONLY",
      message: expect.stringContaining(`cannot collect garbage: the cache ${cacheDir} is read-only`),
    });
    expect((await gcCache(cacheDir, { readOnlyCache: true, dryRun: true })).freedBytes).toBe(4);
  });
});

describe("scanCache and refs", () => {
  it("finds the repo, its blobs and what its snapshot links; main's ref holds the bare commit", async () => {
    await fillCache();
    const [found, ...others] = await scanCache(cacheDir);
    expect(others).toEqual([]);
    expect(found).toMatchObject({ type: "model", name: REPO, folder: layout.repoDir(repo) });
    expect([...found!.blobs].sort()).toEqual([gitBlobId(CONFIG), sha256Of(WEIGHTS)].sort());
    expect(found!.referenced.size).toBe(2);
    expect(readFileSync(layout.refPath(repo, "main"), "utf8")).toBe(commit);
  });
});

describe("offline errors", () => {
  it("NOT_IN_CACHE names the file and the command that fetches it, with the repo type when not a model", () => {
    const model = new NotInCacheError(repo, "main", "config.json", "HF_HUB_OFFLINE is set");
    expect(model.code).toBe("AOTIHUB_NOT_IN_CACHE");
    expect(model.message).toBe(
      `model ${REPO}@main/config.json is not in the local cache and HF_HUB_OFFLINE is set\n` +
        `  expected: a cached snapshot of model ${REPO}@main/config.json\n` +
        "  received: nothing under refs/ or snapshots/ for it\n" +
        `  what to do: run \`aotihub download ${REPO} --revision main config.json\` with network access (unset HF_HUB_OFFLINE), or point HF_HUB_CACHE at a cache that has it`,
    );
    const kernel = new NotInCacheError(
      parseRepoId("org/k", "kernel"),
      "v1",
      undefined,
      "the Hub cannot be reached",
    );
    expect(kernel.message.split("\n")[0]).toBe(
      "kernel org/k@v1 is not in the local cache and the Hub cannot be reached",
    );
    expect(kernel.hint).toContain("`aotihub download org/k --repo-type kernel --revision v1`");
  });

  it("a file the Hub said does not exist is ENTRY_NOT_FOUND, from the .no_exist marker", () => {
    const error = new KnownMissingError(repo, commit, "missing.bin");
    expect(error.code).toBe("AOTIHUB_ENTRY_NOT_FOUND");
    expect(error.message).toBe(
      `missing.bin does not exist in ${REPO} at ${commit}\n` +
        "  expected: a file that exists at this commit\n" +
        "  received: a .no_exist marker recorded from an earlier Hub answer\n" +
        "  what to do: check the path, or use a revision that has it",
    );
  });
});

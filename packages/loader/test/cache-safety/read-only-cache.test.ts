import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startTestHubServer,
  syntheticBytes,
  syntheticContent,
  type TestHubServer,
} from "@aotihub/hub-server/testing";
import {
  CacheLayout,
  createHubDispatcher,
  downloadFile,
  gcCache,
  HubClient,
  type HubConfig,
  parseRepoId,
  readHubConfig,
  snapshotDownload,
} from "@aotihub/loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mainCommit, REPO, writeServedRepo } from "../support/served-repo.js";

// Fleets mount one cache read-only (or on NFS without working locks): it must be read with no lock
// file, no ref, no link written, and a download that would be needed is a typed error.
const repo = parseRepoId(REPO);
let hub: TestHubServer;
let root: string;
let COMMIT: string;
let cacheDir: string;
let writable: HubConfig;
let readOnly: HubConfig;
const client = (config: HubConfig) => new HubClient({ config, dispatcher: createHubDispatcher() });

/** Every path under the cache with its size and mtime: any write shows up as a difference. */
function treeState(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).sort().map((entry) => {
    const facts = statSync(join(root, entry), { throwIfNoEntry: false });
    return `${entry} ${facts?.size} ${facts?.mtimeMs}`;
  });
}

beforeAll(async () => {
  root = await writeServedRepo({
    "config.json": Buffer.from('{"a": 1}\n'),
    "weights/model.safetensors": syntheticBytes(syntheticContent(1 << 20, 2)),
  });
  hub = await startTestHubServer({ root });
  COMMIT = await mainCommit(hub.url);
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-ro-"));
  writable = { endpoint: hub.url, token: undefined, hfHome: cacheDir, cacheDir, offline: false };
  readOnly = { ...writable, readOnlyCache: true };
  // a machine that may write fills the cache with one file
  await downloadFile({ repo, path: "config.json", config: writable, client: client(writable) });
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("a read-only shared cache (AOTIHUB_CACHE_READ_ONLY)", () => {
  it("is declared by AOTIHUB_CACHE_READ_ONLY", () => {
    expect(readHubConfig({ AOTIHUB_CACHE_READ_ONLY: "1" }).readOnlyCache).toBe(true);
    expect(readHubConfig({}).readOnlyCache).toBe(false);
  });

  it("serves cached files online and offline without writing anything, not even a lock file", async () => {
    // a writer would record refs/main from the Hub's answer; a read-only reader must not
    rmSync(join(new CacheLayout(cacheDir).repoDir(repo), "refs", "main"));
    rmSync(join(cacheDir, ".locks"), { recursive: true, force: true });
    const before = treeState(cacheDir);
    const online = await downloadFile({
      repo,
      path: "config.json",
      config: readOnly,
      client: client(readOnly),
    });
    expect(readFileSync(online.snapshotPath, "utf8")).toBe('{"a": 1}\n');
    const offline = await downloadFile({
      repo,
      path: "config.json",
      revision: COMMIT,
      config: { ...readOnly, offline: true },
    });
    expect(offline.commit).toBe(COMMIT);
    await expect(
      downloadFile({ repo, path: "nope.txt", config: readOnly, client: client(readOnly) }),
    ).rejects.toMatchObject({ code: "AOTIHUB_ENTRY_NOT_FOUND" }); // and no .no_exist marker written
    expect(treeState(cacheDir)).toEqual(before);
  });

  it("gives a typed error where a download would be needed, and writes nothing", async () => {
    const before = treeState(cacheDir);
    const error = await downloadFile({
      repo,
      path: "weights/model.safetensors",
      config: readOnly,
      client: client(readOnly),
    }).catch((e) => e);
    expect(error).toMatchObject({ code: "AOTIHUB_CACHE_READ_ONLY" });
    expect(error.message).toContain("weights/model.safetensors");
    await expect(
      snapshotDownload({ repo, config: readOnly, client: client(readOnly) }),
    ).rejects.toMatchObject({
      code: "AOTIHUB_CACHE_READ_ONLY",
    });
    await expect(gcCache(cacheDir, { readOnlyCache: true })).rejects.toMatchObject({
      code: "AOTIHUB_CACHE_READ_ONLY",
    });
    expect(treeState(cacheDir)).toEqual(before);
  });
});

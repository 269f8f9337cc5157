import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CacheLayout,
  createHubDispatcher,
  downloadFile,
  HubClient,
  type HubConfig,
  parseRepoId,
  snapshotDownload,
} from "@aotihub/loader";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { assertCacheSound } from "./support/cache-assertions.js";
import { COMMIT, REPO, ScriptedHub, syntheticContent } from "./support/scripted-hub.js";

const repo = parseRepoId(REPO);
const tuning = { parallelThreshold: 1 << 20, chunkSize: 1 << 20, maxConcurrency: 4 };
let hub: ScriptedHub;
let cacheDir: string;
let config: HubConfig;

function client(overrides: Parameters<typeof createHubDispatcher>[0] = {}): HubClient {
  const dispatcher = createHubDispatcher({
    headersTimeoutMs: 400,
    bodyTimeoutMs: 400,
    minRetryDelayMs: 10,
    maxRetryDelayMs: 2000,
    maxRetries: 3,
    ...overrides,
  });
  return new HubClient({ config, dispatcher });
}

const repoDir = () => new CacheLayout(cacheDir).repoDir(repo);
const big = () => hub.entry("weights/model.safetensors");

beforeAll(async () => {
  hub = await new ScriptedHub([
    { path: "config.json", content: Buffer.from('{"hidden": 16}\n'), lfs: false },
    { path: "weights/model.safetensors", content: syntheticContent(6 * (1 << 20) + 12345, 7), lfs: true },
    { path: "empty.txt", content: Buffer.alloc(0), lfs: false },
  ]).start();
});
afterAll(() => hub.close());
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-faults-"));
  config = { endpoint: hub.hubUrl, token: "hf_secret", hfHome: cacheDir, cacheDir, offline: false };
  hub.faults.length = 0;
  hub.log.length = 0;
  hub.throttle = 0;
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

const fetchBig = (c = client(), extra: object = {}) =>
  downloadFile({ repo, path: "weights/model.safetensors", config, client: c, ...tuning, ...extra });

describe("downloads into the shared cache", () => {
  it("writes Python's layout: blob by etag, relative snapshot link, ref to the commit", async () => {
    const small = await downloadFile({ repo, path: "config.json", config, client: client() });
    const large = await fetchBig();
    const empty = await downloadFile({ repo, path: "empty.txt", config, client: client() });
    expect(small.commit).toBe(COMMIT);
    expect(small.etag).toBe(hub.entry("config.json").etag);
    expect(large.etag).toBe(big().sha256);
    expect(large.fetchedBytes).toBe(big().content.size);
    expect(readFileSync(small.snapshotPath, "utf8")).toBe('{"hidden": 16}\n');
    expect(readlinkSync(large.snapshotPath)).toBe(`../../../blobs/${big().sha256}`);
    expect(readFileSync(join(repoDir(), "refs", "main"), "utf8")).toBe(COMMIT);
    expect(readFileSync(empty.snapshotPath).length).toBe(0);
    expect(assertCacheSound(repoDir())).toHaveLength(3);
    // ranged GETs went to the CDN, and the token never left the Hub's origin
    const cdn = hub.log.filter((l) => l.includes(" cdn "));
    expect(cdn.filter((l) => l.includes("bytes=")).length).toBe(7);
    expect(cdn.every((l) => l.endsWith("auth=false"))).toBe(true);
  });

  it("answers a second call from the cache without downloading", async () => {
    await fetchBig();
    hub.log.length = 0;
    const again = await fetchBig();
    expect(again.fetchedBytes).toBe(0);
    expect(hub.log.filter((l) => l.includes(" cdn "))).toHaveLength(0);
  });

  it("resumes a body reset mid-way with Range", async () => {
    hub.faults.push({ where: "cdn", action: { kind: "reset-mid-body", afterBytes: 300_000 }, times: 2 });
    const file = await fetchBig();
    expect(file.etag).toBe(big().sha256);
    expect(hub.log.some((l) => /bytes=\d*[1-9]\d*-/.test(l) && !/bytes=\d+048576-|bytes=0-/.test(l))).toBe(
      true,
    );
    assertCacheSound(repoDir());
  });

  it("retries 500 and 503, and honours Retry-After on 429", async () => {
    hub.faults.push({ where: "hub", method: "HEAD", action: { kind: "status", status: 503 } });
    hub.faults.push({ where: "cdn", action: { kind: "status", status: 500 } });
    hub.faults.push({
      where: "cdn",
      action: { kind: "status", status: 429, headers: { "retry-after": "1" } },
    });
    const started = performance.now();
    const file = await fetchBig();
    expect(performance.now() - started).toBeGreaterThan(900);
    expect(file.etag).toBe(big().sha256);
    assertCacheSound(repoDir());
  });

  it("gives a typed rate-limit error when 429 outlasts the retry budget", async () => {
    hub.faults.push({
      where: "hub",
      action: { kind: "status", status: 429, headers: { "retry-after": "0" } },
      times: 10,
    });
    await expect(fetchBig()).rejects.toMatchObject({ code: "AOTIHUB_RATE_LIMITED" });
    expect(existsSync(join(repoDir(), "snapshots"))).toBe(false);
  });

  it("resumes a truncated body (small file, single request)", async () => {
    hub.faults.push({ where: "hub", method: "GET", action: { kind: "truncate", afterBytes: 0 } });
    const file = await downloadFile({ repo, path: "config.json", config, client: client() });
    expect(readFileSync(file.snapshotPath, "utf8")).toBe('{"hidden": 16}\n');
    hub.faults.push({ where: "cdn", action: { kind: "truncate", afterBytes: 500_000 } });
    expect((await fetchBig()).etag).toBe(big().sha256);
    assertCacheSound(repoDir());
  });

  it("fetches bytes that hash wrong again, and never lets them become a blob", async () => {
    // transient: one corrupt response, then the file is fetched again in full from a fresh URL
    hub.faults.push({ where: "cdn", action: { kind: "wrong-bytes" } });
    hub.log.length = 0;
    const healed = await fetchBig();
    expect(healed.etag).toBe(big().sha256);
    expect(hub.log.filter((l) => l.startsWith("HEAD hub")).length).toBe(2); // the relocation
    expect(assertCacheSound(repoDir())).toEqual([big().sha256]);
    rmSync(cacheDir, { recursive: true, force: true });
    // persistent: every attempt corrupt ends in the typed error, with nothing cached
    hub.faults.push({ where: "cdn", action: { kind: "wrong-bytes" }, times: 1000 });
    await expect(fetchBig()).rejects.toMatchObject({ code: "AOTIHUB_HASH_MISMATCH" });
    expect(existsSync(join(repoDir(), "blobs", big().sha256))).toBe(false);
    expect(readdirSync(join(repoDir(), "blobs"))).toEqual([]);
    expect(existsSync(join(repoDir(), "snapshots"))).toBe(false);
    hub.faults.length = 0;
    hub.faults.push({ where: "hub", method: "GET", action: { kind: "wrong-bytes" }, times: 1000 });
    await expect(downloadFile({ repo, path: "config.json", config, client: client() })).rejects.toMatchObject(
      { code: "AOTIHUB_HASH_MISMATCH", message: expect.stringContaining("in 3 downloads") },
    );
    hub.faults.length = 0;
    assertCacheSound(repoDir());
  });

  it("retries a stalled connection, then gives a typed error when it stays stalled", async () => {
    hub.faults.push({ where: "cdn", action: { kind: "stall" } });
    expect((await fetchBig()).etag).toBe(big().sha256);
    rmSync(cacheDir, { recursive: true, force: true });
    hub.faults.push({ where: "hub", action: { kind: "stall" }, times: 10 });
    await expect(fetchBig(client({ maxRetries: 1 }))).rejects.toMatchObject({ code: "AOTIHUB_NOT_IN_CACHE" });
    hub.faults.length = 0;
  });

  it("stops a redirect loop with a typed error", async () => {
    hub.faults.push({ where: "hub", action: { kind: "redirect-loop" }, times: 50 });
    await expect(fetchBig()).rejects.toMatchObject({ code: "AOTIHUB_REDIRECT_LOOP" });
    hub.faults.length = 0;
  });

  it("re-resolves an expired CDN URL (403 on the redirect target)", async () => {
    // the URL the first HEAD hands out is already expired; the next one is fresh
    hub.expireBefore = hub.cdnGeneration + 1;
    const file = await fetchBig();
    expect(hub.log.some((l) => l.includes(" cdn ") && l.includes("bytes="))).toBe(true);
    expect(file.etag).toBe(big().sha256);
    expect(hub.log.filter((l) => l.startsWith("HEAD hub")).length).toBeGreaterThanOrEqual(2);
    hub.expireBefore = 0;
    assertCacheSound(repoDir());
  });

  it("maps Hub errors to typed errors with the request id, and records .no_exist", async () => {
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as Record<string, unknown>,
      );
    const missing = await err(downloadFile({ repo, path: "nope.bin", config, client: client() }));
    expect(missing).toMatchObject({
      code: "AOTIHUB_ENTRY_NOT_FOUND",
      statusCode: 404,
      errorCode: "EntryNotFound",
    });
    expect(missing?.requestId).toMatch(/^req-/);
    expect(existsSync(join(repoDir(), ".no_exist", COMMIT, "nope.bin"))).toBe(true);
    await expect(
      downloadFile({ repo, path: "nope.bin", config: { ...config, offline: true } }),
    ).rejects.toMatchObject({ code: "AOTIHUB_ENTRY_NOT_FOUND" });
    expect(
      await err(downloadFile({ repo, path: "a", revision: "dev", config, client: client() })),
    ).toMatchObject({
      code: "AOTIHUB_REVISION_NOT_FOUND",
    });
    expect(
      await err(downloadFile({ repo: parseRepoId("acme/other"), path: "a", config, client: client() })),
    ).toMatchObject({ code: "AOTIHUB_REPO_NOT_FOUND" });
    hub.faults.push({ where: "hub", action: { kind: "status", status: 401 } });
    expect(await err(fetchBig())).toMatchObject({ code: "AOTIHUB_UNAUTHORIZED" });
  });

  it("works offline from refs/ and snapshots/, and says what is missing", async () => {
    await downloadFile({ repo, path: "config.json", config, client: client() });
    const offline = { ...config, endpoint: "http://127.0.0.1:9", offline: true };
    const file = await downloadFile({ repo, path: "config.json", config: offline });
    expect(file.commit).toBe(COMMIT);
    const error = await downloadFile({ repo, path: "weights/model.safetensors", config: offline }).catch(
      (e) => e,
    );
    expect(error.code).toBe("AOTIHUB_NOT_IN_CACHE");
    expect(error.message).toContain("aotihub download acme/tiny");
    // the network failing is the same as offline for what is cached
    const unreachable = { ...config, endpoint: "http://127.0.0.1:9" };
    expect(
      (await downloadFile({ repo, path: "config.json", config: unreachable, client: client() })).commit,
    ).toBe(COMMIT);
  });

  it("aborts on an AbortSignal, keeps the partial file, and resumes it later", async () => {
    hub.throttle = 1 << 20; // 1 MiB/s per response: a 1 MiB chunk takes ~1 s
    const controller = new AbortController();
    const events: number[] = [];
    const pending = fetchBig(client(), {
      signal: controller.signal,
      onProgress: (e: { bytes: number }) => events.push(e.bytes),
    });
    setTimeout(() => controller.abort(new Error("user abort")), 1500);
    await expect(pending).rejects.toThrow("user abort");
    const partials = readdirSync(join(repoDir(), "blobs"));
    expect(partials.some((n) => n.endsWith(".aotihub.incomplete"))).toBe(true);
    expect(events.length).toBeGreaterThan(0);
    hub.throttle = 0;
    const resumed = await fetchBig();
    expect(resumed.fetchedBytes).toBeLessThan(big().content.size);
    expect(resumed.etag).toBe(big().sha256);
    expect(readdirSync(join(repoDir(), "blobs"))).toEqual([big().sha256]);
  });

  it("downloads a snapshot through the paginated listing", async () => {
    const snapshot = await snapshotDownload({
      repo,
      config,
      client: client(),
      include: ["**/*.safetensors", "*.json"],
      ...tuning,
    });
    expect(snapshot.commit).toBe(COMMIT);
    expect(snapshot.files.map((f) => f.path).sort()).toEqual(["config.json", "weights/model.safetensors"]);
    expect(hub.log.filter((l) => l.includes("/tree/"))).toHaveLength(2);
    const offline = await snapshotDownload({ repo, config: { ...config, offline: true } });
    expect(offline.files.map((f) => f.path).sort()).toEqual(["config.json", "weights/model.safetensors"]);
  });
});

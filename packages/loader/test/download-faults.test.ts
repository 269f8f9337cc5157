// Downloads against the local Hub (@aotihub/hub-server) with faults armed through its testing
// entry: every fault ends in a verified file or a typed error, and nothing corrupt is cached.
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
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
  HubClient,
  type HubConfig,
  type ProgressEvent,
  parseRepoId,
  snapshotDownload,
} from "@aotihub/loader";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { assertCacheSound } from "./support/cache-assertions.js";
import { closedPortUrl } from "./support/closed-port.js";
import { gitBlobIdOf, mainCommit, REPO, sha256Of, writeServedRepo } from "./support/served-repo.js";

const repo = parseRepoId(REPO);
const CHUNK = 1 << 20;
const tuning = { parallelThreshold: 1 << 20, chunkSize: CHUNK, maxConcurrency: 4 };
const TOKEN = "hf_secret_reader";
const CONFIG_JSON = Buffer.from('{"hidden": 16}\n');
const BIG = syntheticBytes(syntheticContent(6 * (1 << 20) + 12345, 7));
const BIG_SHA256 = sha256Of(BIG);
/** A fault on the Hub's file route (resolve) of the API origin. */
const RESOLVE = { origin: "api", path: "/resolve/" } as const;
let hub: TestHubServer;
let root: string;
let COMMIT: string;
let cacheDir: string;
let config: HubConfig;

/** Timeouts long enough that a loaded machine's loopback never trips them (see stalledClient). */
function client(overrides: Parameters<typeof createHubDispatcher>[0] = {}): HubClient {
  const dispatcher = createHubDispatcher({
    headersTimeoutMs: 30_000,
    bodyTimeoutMs: 30_000,
    minRetryDelayMs: 10,
    maxRetryDelayMs: 2000,
    maxRetries: 3,
    ...overrides,
  });
  return new HubClient({ config, dispatcher });
}

/**
 * For the stall tests: a hang never answers, so the timeout only sets how long the test waits;
 * it stays well above any loopback answer of a loaded machine.
 */
const stalledClient = (overrides: Parameters<typeof createHubDispatcher>[0] = {}) =>
  client({ headersTimeoutMs: 1000, bodyTimeoutMs: 1000, ...overrides });

const repoDir = () => new CacheLayout(cacheDir).repoDir(repo);
const cdnGets = () => hub.requests.filter((r) => r.origin === "cdn" && r.method === "GET");
const resolveRequests = () => hub.requests.filter((r) => r.origin === "api" && r.url.includes("/resolve/"));

beforeAll(async () => {
  root = await writeServedRepo({
    "config.json": CONFIG_JSON,
    "weights/model.safetensors": BIG,
    "empty.txt": Buffer.alloc(0),
  });
  hub = await startTestHubServer({
    root,
    access: { tokens: { [TOKEN]: { user: "reader" } } },
    treePageSize: 2,
  });
  COMMIT = await mainCommit(hub.url);
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-faults-"));
  config = { endpoint: hub.url, token: TOKEN, hfHome: cacheDir, cacheDir, offline: false };
  hub.faults.clear();
  hub.requests.length = 0;
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
    expect(small.etag).toBe(gitBlobIdOf(CONFIG_JSON));
    expect(large.etag).toBe(BIG_SHA256);
    expect(large.fetchedBytes).toBe(BIG.length);
    expect(readFileSync(small.snapshotPath, "utf8")).toBe('{"hidden": 16}\n');
    expect(readlinkSync(large.snapshotPath)).toBe(`../../../blobs/${BIG_SHA256}`);
    expect(readFileSync(join(repoDir(), "refs", "main"), "utf8")).toBe(COMMIT);
    expect(readFileSync(empty.snapshotPath).length).toBe(0);
    expect(assertCacheSound(repoDir())).toHaveLength(3);
    // ranged GETs went to the CDN, and the token never left the Hub's origin
    const cdn = hub.requests.filter((r) => r.origin === "cdn");
    expect(cdn.filter((r) => r.range?.startsWith("bytes=")).length).toBe(7);
    expect(cdn.every((r) => !r.hadAuthorization)).toBe(true);
  });

  it("answers a second call from the cache without downloading", async () => {
    await fetchBig();
    hub.requests.length = 0;
    const again = await fetchBig();
    expect(again.fetchedBytes).toBe(0);
    expect(hub.requests.filter((r) => r.origin === "cdn")).toHaveLength(0);
  });

  it("resumes a body cut mid-way with a Range from the byte it stopped at, re-fetching nothing else", async () => {
    const cutAt = 300_000;
    hub.faults.inject({
      origin: "cdn",
      method: "GET",
      action: { type: "truncate", afterBytes: cutAt },
      times: 2,
    });
    const file = await fetchBig();
    expect(file.etag).toBe(BIG_SHA256);
    assertCacheSound(repoDir());
    const gets = cdnGets();
    const cut = gets.filter((r) => !r.completed);
    expect(cut).toHaveLength(2);
    for (const request of cut) {
      // the server sent exactly cutAt bytes of that chunk, then closed
      expect(request.bodyBytes).toBe(cutAt);
      const [start, end] = rangeOf(request.range);
      expect(start % CHUNK).toBe(0);
      // the chunk resumed at the first byte not received, to the same end, and never from its start again
      const resumed = gets.filter((r) => r.completed && r.range === `bytes=${start + cutAt}-${end}`);
      expect(resumed).toHaveLength(1);
      expect(resumed[0]!.bodyBytes).toBe(end - (start + cutAt) + 1);
      expect(gets.filter((r) => r.range === request.range)).toHaveLength(1);
    }
    // every byte of the file left the server exactly once: the cut bodies plus the rest
    expect(gets.reduce((sum, r) => sum + r.bodyBytes, 0)).toBe(BIG.length);
  });

  it("resumes a connection reset (RST) mid-body with Range, within the chunk", async () => {
    const resetAt = 300_000;
    hub.faults.inject({
      origin: "cdn",
      method: "GET",
      action: { type: "reset", afterBytes: resetAt },
      times: 2,
    });
    const file = await fetchBig();
    expect(file.etag).toBe(BIG_SHA256);
    assertCacheSound(repoDir());
    const gets = cdnGets();
    const reset = gets.filter((r) => !r.completed);
    expect(reset).toHaveLength(2);
    for (const request of reset) {
      // A reset may drop bytes in flight: the resume starts at most where the server stopped,
      // past the chunk's start once any byte arrived, and ends where the chunk ends.
      const [start, end] = rangeOf(request.range);
      const resumed = gets.filter((r) => {
        if (!r.completed || r === request) return false;
        const [from, to] = rangeOf(r.range);
        return to === end && from > start && from <= start + resetAt;
      });
      expect(resumed).toHaveLength(1);
    }
    // re-fetched bytes are bounded by what the resets lost, never whole chunks again
    const refetched = gets.reduce((sum, r) => sum + r.bodyBytes, 0) - BIG.length;
    expect(refetched).toBeGreaterThanOrEqual(0);
    expect(refetched).toBeLessThan(2 * resetAt);
  });

  it("retries 500 and 503, and honours Retry-After on 429", async () => {
    hub.faults.inject({ ...RESOLVE, method: "HEAD", action: { type: "status", status: 503 } });
    hub.faults.inject({ origin: "cdn", action: { type: "status", status: 500 } });
    hub.faults.inject({
      origin: "cdn",
      action: { type: "status", status: 429, headers: { "retry-after": "1" } },
    });
    const started = performance.now();
    const file = await fetchBig();
    expect(performance.now() - started).toBeGreaterThan(900);
    expect(file.etag).toBe(BIG_SHA256);
    expect(hub.faults.pending).toBe(0);
    assertCacheSound(repoDir());
  });

  it("gives a typed rate-limit error when 429 outlasts the retry budget", async () => {
    hub.faults.inject({
      ...RESOLVE,
      action: { type: "status", status: 429, headers: { "retry-after": "0" } },
      times: 10,
    });
    await expect(fetchBig()).rejects.toMatchObject({ code: "AOTIHUB_RATE_LIMITED" });
    expect(existsSync(join(repoDir(), "snapshots"))).toBe(false);
  });

  it("resumes a truncated body (small file, single request)", async () => {
    hub.faults.inject({ ...RESOLVE, method: "GET", action: { type: "truncate", afterBytes: 0 } });
    const file = await downloadFile({ repo, path: "config.json", config, client: client() });
    expect(readFileSync(file.snapshotPath, "utf8")).toBe('{"hidden": 16}\n');
    hub.faults.inject({ origin: "cdn", action: { type: "truncate", afterBytes: 500_000 } });
    expect((await fetchBig()).etag).toBe(BIG_SHA256);
    expect(hub.faults.pending).toBe(0);
    assertCacheSound(repoDir());
  });

  it("fetches a flipped byte again, and never lets wrong bytes become a blob", async () => {
    // transient: one CDN answer with a flipped byte, then the file is fetched again in full
    // from a fresh URL (a second resolve) on new connections
    hub.faults.inject({ origin: "cdn", action: { type: "corrupt", atByte: 1000 } });
    const healed = await fetchBig();
    expect(healed.etag).toBe(BIG_SHA256);
    expect(resolveRequests().filter((r) => r.method === "HEAD").length).toBe(2);
    expect(assertCacheSound(repoDir())).toEqual([BIG_SHA256]);
    rmSync(cacheDir, { recursive: true, force: true });
    // persistent: every attempt corrupt ends in the typed error, with nothing cached
    hub.faults.inject({ origin: "cdn", action: { type: "corrupt" }, times: Infinity });
    await expect(fetchBig()).rejects.toMatchObject({ code: "AOTIHUB_HASH_MISMATCH" });
    expect(existsSync(join(repoDir(), "blobs", BIG_SHA256))).toBe(false);
    expect(readdirSync(join(repoDir(), "blobs"))).toEqual([]);
    expect(existsSync(join(repoDir(), "snapshots"))).toBe(false);
    hub.faults.clear();
    hub.faults.inject({ ...RESOLVE, method: "GET", action: { type: "corrupt" }, times: Infinity });
    await expect(downloadFile({ repo, path: "config.json", config, client: client() })).rejects.toMatchObject(
      { code: "AOTIHUB_HASH_MISMATCH", message: expect.stringContaining("in 3 downloads") },
    );
    hub.faults.clear();
    assertCacheSound(repoDir());
  });

  it("retries a stalled connection, then gives a typed error when it stays stalled", async () => {
    hub.faults.inject({ origin: "cdn", action: { type: "hang" } });
    expect((await fetchBig(stalledClient())).etag).toBe(BIG_SHA256);
    rmSync(cacheDir, { recursive: true, force: true });
    hub.faults.inject({ ...RESOLVE, action: { type: "hang" }, times: 10 });
    await expect(fetchBig(stalledClient({ maxRetries: 1 }))).rejects.toMatchObject({
      code: "AOTIHUB_NOT_IN_CACHE",
    });
  });

  it("a lying Content-Length or a body that never ends: a verified file or a typed error, nothing corrupt", async () => {
    const outcomes: string[] = [];
    for (const action of [
      { type: "wrong-length", delta: 1000 },
      { type: "wrong-length", delta: -1000 },
      { type: "endless" },
    ] as const) {
      rmSync(cacheDir, { recursive: true, force: true });
      hub.faults.clear();
      hub.faults.inject({ origin: "cdn", method: "GET", action });
      const outcome = await fetchBig().then(
        (file) => (file.etag === BIG_SHA256 ? "verified" : `wrong etag ${file.etag}`),
        (error: { code?: string }) => error.code ?? String(error),
      );
      outcomes.push(`${JSON.stringify(action)}: ${outcome}`);
      expect(outcome).toMatch(/^(verified|AOTIHUB_[A-Z_]+)$/);
      assertCacheSound(repoDir());
    }
    console.log(outcomes.join("\n"));
  });

  it("stops a redirect loop with a typed error", async () => {
    hub.faults.inject({ ...RESOLVE, action: { type: "redirect-loop" }, times: 50 });
    await expect(fetchBig()).rejects.toMatchObject({ code: "AOTIHUB_REDIRECT_LOOP" });
  });

  it("re-resolves an expired CDN URL (403 on the redirect target)", async () => {
    // the URL the first resolve hands out has already expired; the next one is fresh
    hub.faults.inject({ ...RESOLVE, action: { type: "expired-cdn-url" } });
    const file = await fetchBig();
    expect(file.etag).toBe(BIG_SHA256);
    expect(hub.requests.some((r) => r.origin === "cdn" && r.status === 403)).toBe(true);
    expect(cdnGets().filter((r) => r.status === 206).length).toBe(7);
    expect(resolveRequests().length).toBeGreaterThanOrEqual(2);
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
    // the request id is the one the server sent with that 404
    expect(hub.requests.find((r) => r.requestId === missing?.requestId)?.status).toBe(404);
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
    hub.faults.inject({ ...RESOLVE, action: { type: "status", status: 401 } });
    expect(await err(fetchBig())).toMatchObject({ code: "AOTIHUB_UNAUTHORIZED" });
  });

  it("works offline from refs/ and snapshots/, and says what is missing", async () => {
    await downloadFile({ repo, path: "config.json", config, client: client() });
    const nothingListens = await closedPortUrl();
    const offline = { ...config, endpoint: nothingListens, offline: true };
    const file = await downloadFile({ repo, path: "config.json", config: offline });
    expect(file.commit).toBe(COMMIT);
    const error = await downloadFile({ repo, path: "weights/model.safetensors", config: offline }).catch(
      (e) => e,
    );
    expect(error.code).toBe("AOTIHUB_NOT_IN_CACHE");
    expect(error.message).toContain("aotihub download acme/tiny");
    // the network failing is the same as offline for what is cached
    const unreachable = { ...config, endpoint: nothingListens };
    expect(
      (await downloadFile({ repo, path: "config.json", config: unreachable, client: client() })).commit,
    ).toBe(COMMIT);
  });

  it("aborts on an AbortSignal, keeps the partial file, and resumes it later", async () => {
    // 1 MiB/s per response: a 1 MiB chunk takes ~1 s
    hub.faults.inject({
      origin: "cdn",
      action: { type: "throttle", bytesPerSecond: 1 << 20 },
      times: Infinity,
    });
    // Aborted once the partial download's state file records a whole chunk: driven by what was
    // persisted, not by a clock a busy machine could outrun.
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const pending = fetchBig(client(), {
      signal: controller.signal,
      onProgress: (e: ProgressEvent) => {
        events.push(e);
        if (persistedChunks() >= 1) controller.abort(new Error("user abort"));
      },
    });
    await expect(pending).rejects.toThrow("user abort");
    const partials = readdirSync(join(repoDir(), "blobs"));
    expect(partials.some((n) => n.endsWith(".aotihub.incomplete"))).toBe(true);
    const reported = events.map((e) => e.bytes);
    expect(reported).toEqual([...reported].sort((a, b) => a - b)); // never goes backwards
    expect(reported.at(-1)).toBeGreaterThanOrEqual(CHUNK);
    expect(events.every((e) => e.total === BIG.length && !e.done)).toBe(true);
    hub.faults.clear();
    const after: ProgressEvent[] = [];
    const resumed = await fetchBig(client(), { onProgress: (e: ProgressEvent) => after.push(e) });
    // What was kept is not fetched again, and progress counts it from the start.
    expect(resumed.fetchedBytes).toBeLessThanOrEqual(BIG.length - CHUNK);
    expect(after.at(-1)).toMatchObject({ bytes: BIG.length, total: BIG.length, done: true });
    expect(resumed.etag).toBe(BIG_SHA256);
    expect(readdirSync(join(repoDir(), "blobs"))).toEqual([BIG_SHA256]);
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
    expect(hub.requests.filter((r) => r.url.includes("/tree/")).length).toBeGreaterThanOrEqual(2);
    const offline = await snapshotDownload({ repo, config: { ...config, offline: true } });
    expect(offline.files.map((f) => f.path).sort()).toEqual(["config.json", "weights/model.safetensors"]);
  });
});

/** Chunks the partial download's state file (`*.aotihub.incomplete.json`) records as written. */
function persistedChunks(): number {
  try {
    const blobs = join(repoDir(), "blobs");
    const state = readdirSync(blobs).find((n) => n.endsWith(".aotihub.incomplete.json"));
    return state === undefined
      ? 0
      : (JSON.parse(readFileSync(join(blobs, state), "utf8")).done as number[]).length;
  } catch {
    return 0; // not there yet, or caught mid-write
  }
}

/** `bytes=a-b` as [a, b]. */
function rangeOf(range: string | undefined): [number, number] {
  const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? "");
  if (!match) throw new Error(`not a closed byte range: ${range}`);
  return [Number(match[1]), Number(match[2])];
}

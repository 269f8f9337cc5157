import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { COMMIT, REPO, ScriptedHub, syntheticContent } from "./support/scripted-hub.js";

// Each Hub and download failure documented in docs/troubleshooting.md, produced by a real loopback
// server (the scripted Hub) and checked for its code, its message, and a cache left sound.

const repo = parseRepoId(REPO);
const tuning = { parallelThreshold: 1 << 20, chunkSize: 1 << 20, maxConcurrency: 2 };
const SMALL = '{"hidden": 16}\n';
let hub: ScriptedHub;
let cacheDir: string;
let config: HubConfig;

function client(endpoint = hub.hubUrl): HubClient {
  const dispatcher = createHubDispatcher({ minRetryDelayMs: 5, maxRetryDelayMs: 20, maxRetries: 2 });
  return new HubClient({ config: { ...config, endpoint }, dispatcher });
}

const repoDir = () => new CacheLayout(cacheDir).repoDir(repo);
const fetchFile = (path: string, extra: object = {}) =>
  downloadFile({ repo, path, config, client: client(), ...tuning, ...extra });

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected a rejection, the call succeeded");
}

/** Nothing finished (a blob or a snapshot link) may be in the cache after a refused download. */
function expectNothingCached(): void {
  expect(assertCacheSound(repoDir())).toEqual([]);
  expect(existsSync(join(repoDir(), "snapshots", COMMIT))).toBe(false);
}

beforeAll(async () => {
  hub = await new ScriptedHub([
    { path: "config.json", content: Buffer.from(SMALL), lfs: false },
    { path: "weights/model.safetensors", content: syntheticContent(3 * (1 << 20) + 777, 3), lfs: true },
  ]).start();
});
afterAll(() => hub.close());
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-codes-"));
  config = { endpoint: hub.hubUrl, token: undefined, hfHome: cacheDir, cacheDir, offline: false };
  hub.faults.length = 0;
  hub.log.length = 0;
  hub.throttle = 0;
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

describe("Hub answers become typed errors", () => {
  it("AOTIHUB_GATED_REPO: a gated repo names the terms to accept", async () => {
    hub.faults.push({
      where: "hub",
      action: {
        kind: "status",
        status: 403,
        headers: { "x-error-code": "GatedRepo", "x-request-id": "r-9" },
      },
    });
    const error = await rejection(fetchFile("config.json"));
    expect(error).toMatchObject({ code: "AOTIHUB_GATED_REPO", statusCode: 403 });
    expect(error.message).toContain("is gated (HTTP 403");
    expect(error.message).toContain("r-9");
    expect(error.message).toContain("accept the repository's terms");
    expectNothingCached();
  });

  it("AOTIHUB_HUB_HTTP_ERROR: a 4xx without a Hub error code, and a 5xx that outlasts the retries", async () => {
    hub.faults.push({ where: "hub", action: { kind: "status", status: 400 } });
    const bad = await rejection(fetchFile("config.json"));
    expect(bad).toMatchObject({ code: "AOTIHUB_HUB_HTTP_ERROR", statusCode: 400 });
    expect(bad.message).toContain("the Hub answered an error");
    expect(bad.message).toContain("this may be a bug in aotihub");

    hub.faults.push({ where: "hub", action: { kind: "status", status: 500 }, times: 10 });
    const failing = await rejection(fetchFile("config.json"));
    expect(failing).toMatchObject({ code: "AOTIHUB_HUB_HTTP_ERROR", statusCode: 500 });
    expect(failing.message).toContain("try again later");
    expectNothingCached();
  });

  it("AOTIHUB_HUB_BAD_RESPONSE: a 200 without commit, ETag or size is not a Hub", async () => {
    hub.faults.push({ where: "hub", method: "HEAD", action: { kind: "status", status: 200 } });
    const error = await rejection(fetchFile("config.json"));
    expect(error.code).toBe("AOTIHUB_HUB_BAD_RESPONSE");
    expect(error.message).toContain("incomplete file metadata");
    expect(error.message).toContain("commit=undefined, etag=undefined");

    hub.faults.push({ where: "api", action: { kind: "status", status: 200 } });
    const info = await rejection(client().resolveRevision(repo, "main"));
    expect(info.code).toBe("AOTIHUB_HUB_BAD_RESPONSE");
    expect(info.message).toContain("the Hub sent no commit");
    expectNothingCached();
  });

  it("AOTIHUB_NETWORK_ERROR: a port that refuses connections, after the retries", async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createNetServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const endpoint = `http://127.0.0.1:${closed}`;
    const error = await rejection(client(endpoint).resolveRevision(repo, "main"));
    expect(error.code).toBe("AOTIHUB_NETWORK_ERROR");
    expect(error.message).toContain(`could not reach ${endpoint}/api/models/${REPO}/revision/main`);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain("HF_HUB_OFFLINE=1");
    // a download answers from the cache when the Hub is unreachable, and says so when it cannot
    const download = await rejection(
      downloadFile({ repo, path: "config.json", config: { ...config, endpoint }, client: client(endpoint) }),
    );
    expect(download.code).toBe("AOTIHUB_NOT_IN_CACHE");
    expect(download.message).toContain("is not in the local cache");
    expectNothingCached();
  });
});

describe("download failures keep the cache sound", () => {
  it("AOTIHUB_UNVERIFIABLE_FILE: an ETag that is neither a sha256 nor a git sha1 is refused", async () => {
    hub.faults.push({
      where: "hub",
      method: "HEAD",
      action: {
        kind: "status",
        status: 200,
        headers: { "x-repo-commit": COMMIT, etag: '"W/1234-abcd"', "content-length": String(SMALL.length) },
      },
    });
    const error = await rejection(fetchFile("config.json"));
    expect(error.code).toBe("AOTIHUB_UNVERIFIABLE_FILE");
    expect(error.message).toContain("its etag names no hash we know");
    expect(error.message).toContain("1234-abcd");
    expect(hub.log.filter((l) => l.startsWith("GET"))).toEqual([]); // refused before any byte
    expectNothingCached();
  });

  it("AOTIHUB_BAD_RANGE_RESPONSE: a 206 for another range than asked", async () => {
    hub.faults.push({
      where: "cdn",
      method: "GET",
      action: { kind: "status", status: 206, headers: { "content-range": "bytes 5-9/10" } },
    });
    const error = await rejection(fetchFile("weights/model.safetensors"));
    expect(error.code).toBe("AOTIHUB_BAD_RANGE_RESPONSE");
    expect(error.message).toContain("answered a ranged download");
    expect(error.message).toContain("received: bytes 5-9/10");
    expectNothingCached();
  });

  it("AOTIHUB_INCOMPLETE_DOWNLOAD: a body that always ends cleanly but short; the partial file is kept and resumed", async () => {
    const path = "weights/model.safetensors";
    const entry = hub.entry(path);
    // A CDN that answers each range with a correct 206 but ends the (chunked) body cleanly after
    // 1000 bytes: no socket error, just too few bytes, every time; only the first chunk comes whole.
    const shortCdn = createServer((req: IncomingMessage, res: ServerResponse) => {
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "") ?? [];
      const start = Number(from ?? 0);
      const end = to === undefined ? entry.content.size - 1 : Number(to);
      res.writeHead(206, { "content-range": `bytes ${start}-${end}/${entry.content.size}` });
      res.end(entry.content.read(start, start === 0 ? end : Math.min(end, start + 999)));
    });
    await new Promise<void>((resolve) => shortCdn.listen(0, "127.0.0.1", resolve));
    const cdnUrl = `http://127.0.0.1:${(shortCdn.address() as { port: number }).port}/${entry.etag}`;
    const redirect = {
      "x-repo-commit": COMMIT,
      "x-linked-etag": `"${entry.etag}"`,
      "x-linked-size": String(entry.content.size),
      etag: `"${entry.etag}"`,
      location: cdnUrl,
    };
    try {
      hub.faults.push({
        where: "hub",
        method: "HEAD",
        action: { kind: "status", status: 302, headers: redirect },
      });
      const error = await rejection(fetchFile(path));
      expect(error.code).toBe("AOTIHUB_INCOMPLETE_DOWNLOAD");
      expect(error.message).toContain(`the server kept ending ${cdnUrl} early`);
      expectNothingCached();
      const partial = readdirSync(join(repoDir(), "blobs")).filter((n) => n.endsWith(".incomplete"));
      expect(partial).toHaveLength(1);
      expect(partial[0]).toMatch(new RegExp(`^${entry.etag}\\..+\\.incomplete$`));
    } finally {
      await new Promise((resolve) => shortCdn.close(resolve));
    }
    // the real CDN then completes it, resuming after the chunk already written whole
    const file = await fetchFile(path);
    expect(file.fetchedBytes).toBe(entry.content.size - tuning.chunkSize);
    expect(assertCacheSound(repoDir())).toEqual([entry.sha256]);
  });
});

describe("progress and cancellation", () => {
  it("reports progress per file that never goes back and ends at each file's size", async () => {
    const events: ProgressEvent[] = [];
    const snapshot = await snapshotDownload({
      repo,
      config,
      client: client(),
      ...tuning,
      onProgress: (e) => events.push(e),
    });
    expect(snapshot.files.map((f) => f.path).sort()).toEqual(["config.json", "weights/model.safetensors"]);
    for (const path of ["config.json", "weights/model.safetensors"]) {
      const size = hub.entry(path).content.size;
      const mine = events.filter((e) => e.file.endsWith(path));
      expect(mine.length, path).toBeGreaterThan(0);
      const bytes = mine.map((e) => e.bytes);
      expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
      expect(mine.every((e) => e.total === size && e.bytes <= size)).toBe(true);
      expect(mine.filter((e) => e.done)).toHaveLength(1);
      expect(mine.at(-1)).toMatchObject({ bytes: size, total: size, done: true, etaSeconds: 0 });
    }
  });

  it("an AbortSignal stops snapshotDownload mid-transfer with an AbortError; nothing corrupt is cached", async () => {
    hub.throttle = 512 * 1024; // bytes/s per CDN response: the transfer lasts long enough to cut
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const error = await rejection(
      snapshotDownload({
        repo,
        include: ["weights/*"],
        config,
        client: client(),
        ...tuning,
        signal: controller.signal,
        onProgress: (e) => {
          events.push(e);
          if (e.bytes > 0 && !e.done) controller.abort();
        },
      }),
    );
    expect(error.name).toBe("AbortError");
    expect(events.some((e) => e.done)).toBe(false);
    expectNothingCached();
    expect(existsSync(join(repoDir(), "refs", "main"))).toBe(false);

    hub.throttle = 0;
    const again = await snapshotDownload({
      repo,
      include: ["weights/*"],
      config,
      client: client(),
      ...tuning,
    });
    expect(again.files).toHaveLength(1);
    expect(assertCacheSound(repoDir())).toEqual([hub.entry("weights/model.safetensors").sha256]);
  });
});

import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
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
import { Agent } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadBlob } from "../src/download/download-blob.js";
import { assertCacheSound } from "./support/cache-assertions.js";
import { closedPortUrl } from "./support/closed-port.js";
import { mainCommit, REPO, sha256Of, writeServedRepo } from "./support/served-repo.js";

// Each Hub and download failure documented in docs/troubleshooting.md, produced by a real loopback
// server (the local Hub with faults armed) and checked for its code, its message, and a cache left sound.

const repo = parseRepoId(REPO);
const tuning = { parallelThreshold: 1 << 20, chunkSize: 1 << 20, maxConcurrency: 2 };
const SMALL = '{"hidden": 16}\n';
const BIG_PATH = "weights/model.safetensors";
const BIG = syntheticBytes(syntheticContent(3 * (1 << 20) + 777, 3));
const BIG_SHA256 = sha256Of(BIG);
/** The Hub's file route (resolve) on its API origin. */
const RESOLVE = { origin: "api", path: "/resolve/" } as const;
let hub: TestHubServer;
let root: string;
let COMMIT: string;
let cacheDir: string;
let config: HubConfig;

function client(endpoint = hub.url): HubClient {
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
  root = await writeServedRepo({ "config.json": Buffer.from(SMALL), [BIG_PATH]: BIG });
  hub = await startTestHubServer({ root });
  COMMIT = await mainCommit(hub.url);
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-codes-"));
  config = { endpoint: hub.url, token: undefined, hfHome: cacheDir, cacheDir, offline: false };
  hub.faults.clear();
  hub.requests.length = 0;
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

describe("Hub answers become typed errors", () => {
  it("AOTIHUB_GATED_REPO: a gated repo names the terms to accept", async () => {
    hub.faults.inject({
      ...RESOLVE,
      action: {
        type: "status",
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
    hub.faults.inject({ ...RESOLVE, action: { type: "status", status: 400 } });
    const bad = await rejection(fetchFile("config.json"));
    expect(bad).toMatchObject({ code: "AOTIHUB_HUB_HTTP_ERROR", statusCode: 400 });
    expect(bad.message).toContain("the Hub answered an error");
    expect(bad.message).toContain("this may be a bug in aotihub");

    hub.faults.inject({ ...RESOLVE, action: { type: "status", status: 500 }, times: 10 });
    const failing = await rejection(fetchFile("config.json"));
    expect(failing).toMatchObject({ code: "AOTIHUB_HUB_HTTP_ERROR", statusCode: 500 });
    expect(failing.message).toContain("try again later");
    expectNothingCached();
  });

  it("AOTIHUB_HUB_BAD_RESPONSE: a 200 without commit, ETag or size is not a Hub", async () => {
    hub.faults.inject({ ...RESOLVE, method: "HEAD", action: { type: "status", status: 200 } });
    const error = await rejection(fetchFile("config.json"));
    expect(error.code).toBe("AOTIHUB_HUB_BAD_RESPONSE");
    expect(error.message).toContain("incomplete file metadata");
    expect(error.message).toContain("commit=undefined, etag=undefined");

    hub.faults.inject({ origin: "api", path: "/revision/", action: { type: "status", status: 200 } });
    const info = await rejection(client().resolveRevision(repo, "main"));
    expect(info.code).toBe("AOTIHUB_HUB_BAD_RESPONSE");
    expect(info.message).toContain("the Hub sent no commit");
    expectNothingCached();
  });

  it("AOTIHUB_NETWORK_ERROR: a port that refuses connections, after the retries", async () => {
    const endpoint = await closedPortUrl();
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

  it("AOTIHUB_NETWORK_ERROR: a CDN that refuses connections mid-download is a network error, not a bad range", async () => {
    const cdn = `${await closedPortUrl()}/${BIG_SHA256}`;
    redirectBigTo(cdn);
    const error = await rejection(fetchFile(BIG_PATH));
    expect(error.code, error.message).toBe("AOTIHUB_NETWORK_ERROR");
    expect(error.message).toContain(`could not reach ${cdn}`);
    expect(error.message).toContain("ECONNREFUSED");
    expectNothingCached();
  });
});

describe("download failures keep the cache sound", () => {
  it("AOTIHUB_HUB_UNSAFE_VALUE: an ETag that is neither a sha256 nor a git sha1 is refused as it arrives", async () => {
    hub.faults.inject({
      ...RESOLVE,
      method: "HEAD",
      action: {
        type: "status",
        status: 200,
        headers: { "x-repo-commit": COMMIT, etag: '"W/1234-abcd"', "content-length": String(SMALL.length) },
      },
    });
    const error = await rejection(fetchFile("config.json"));
    expect(error.code).toBe("AOTIHUB_HUB_UNSAFE_VALUE");
    expect(error.message).toContain("1234-abcd");
    expect(hub.requests.filter((r) => r.method === "GET")).toEqual([]); // refused before any byte
    expectNothingCached();
  });

  it("AOTIHUB_UNVERIFIABLE_FILE: the downloader itself refuses an etag it cannot check (defence in depth)", async () => {
    // The Hub client validates etags first (above); downloadBlob keeps its own guard for any other
    // caller, before it opens a connection or creates a file.
    const blobPath = join(mkdtempSync(join(tmpdir(), "aotihub-unverifiable-")), "blobs", "W-1234-abcd");
    const error = await rejection(
      downloadBlob({
        dispatcher: new Agent(),
        location: `${hub.url}/never-fetched`,
        relocate: async () => `${hub.url}/never-fetched`,
        etag: "W/1234-abcd",
        size: SMALL.length,
        blobPath,
        file: "config.json",
      }),
    );
    expect(error.code).toBe("AOTIHUB_UNVERIFIABLE_FILE");
    expect(error.message).toContain("its etag names no hash we know");
    expect(hub.requests.filter((r) => r.url.includes("never-fetched"))).toEqual([]);
    expect(existsSync(join(blobPath, ".."))).toBe(false);
  });

  it("AOTIHUB_BAD_RANGE_RESPONSE: a CDN (or proxy) that ignores Range and answers 200", async () => {
    hub.faults.inject({
      origin: "cdn",
      method: "GET",
      action: { type: "status", status: 200, body: "whole file" },
    });
    const error = await rejection(fetchFile(BIG_PATH));
    expect(error.code, error.message).toBe("AOTIHUB_BAD_RANGE_RESPONSE");
    expect(error.message).toContain("answered a ranged download");
    expect(error.message).toMatch(/expected: 206 for bytes=\d+-\d+\n {2}received: HTTP 200/);
    expectNothingCached();
  });

  // A 206 for another range than the one asked: its Content-Range names other bytes. Whether the
  // body matches that header (another range, well framed), has the asked length (so undici's retry
  // interceptor finds Content-Length and Content-Range disagreeing and refuses it itself), or comes
  // when undici resumes a cut body, the answer is the server's broken Range support, not an HTTP error.
  type Answer = (res: ServerResponse, start: number, end: number, asked: string, resumed: boolean) => void;
  const send = (res: ServerResponse, first: number, last: number, body: Buffer) => {
    res.writeHead(206, {
      "content-range": `bytes ${first}-${last}/${BIG.length}`,
      "content-length": String(body.length),
      etag: `"${BIG_SHA256}"`,
    });
    res.end(body);
  };
  it.each<[string, Answer, RegExp]>([
    [
      "another range, framed to match",
      (res, start, end) => send(res, start + 1, end + 1, BIG.subarray(start + 1, end + 2)),
      /expected: Content-Range: bytes (\d+)-(\d+)\/\d+\n {2}received: bytes (?!\1-\2\/)\d+-\d+\/\d+\n/,
    ],
    [
      "the whole file, with a chunk-sized body",
      (res, start, end) => send(res, 0, BIG.length - 1, BIG.subarray(start, end + 1)),
      /expected: Content-Range: bytes \d+-\d+\/\d+\n {2}received: HTTP 206 whose Content-Length disagrees with its Content-Range, 6 times/,
    ],
    [
      "another range when a cut body is resumed",
      (res, start, end, _asked, resumed) => {
        if (resumed) return send(res, start - 1, end, BIG.subarray(start - 1, end + 1));
        // the first answer is right but stops half way: undici resumes it with Range + If-Match
        res.writeHead(206, {
          "content-range": `bytes ${start}-${end}/${BIG.length}`,
          "content-length": String(end - start + 1),
          etag: `"${BIG_SHA256}"`,
        });
        res.write(BIG.subarray(start, start + (end - start + 1) / 2), () => res.destroy());
      },
      /expected: Content-Range: bytes (\d+)-(\d+)\/\d+\n {2}received: bytes (?!\1-\2\/)\d+-\d+\/\d+, Content-Length \d+ \(HTTP 206: Content-Range mismatch\)/,
    ],
  ])("AOTIHUB_BAD_RANGE_RESPONSE: a 206 whose Content-Range is %s", async (_, answer, received) => {
    const asked = new Set<string>();
    const cdn = createServer((req: IncomingMessage, res: ServerResponse) => {
      const range = req.headers.range ?? "";
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(range) ?? [];
      const start = Number(from ?? 0);
      const end = to === undefined ? BIG.length - 1 : Number(to);
      answer(res, start, end, range, req.headers["if-match"] !== undefined);
      asked.add(range);
    });
    await new Promise<void>((resolve) => cdn.listen(0, "127.0.0.1", resolve));
    const cdnUrl = `http://127.0.0.1:${(cdn.address() as { port: number }).port}/${BIG_SHA256}`;
    try {
      redirectBigTo(cdnUrl);
      const error = await rejection(fetchFile(BIG_PATH));
      expect(error.code, error.message).toBe("AOTIHUB_BAD_RANGE_RESPONSE");
      expect(error.message).toContain(`answered a ranged download of ${cdnUrl} wrongly`);
      expect(error.message).toMatch(received);
      expectNothingCached();
    } finally {
      await new Promise((resolve) => cdn.close(resolve));
    }
  });

  it("AOTIHUB_INCOMPLETE_DOWNLOAD: a body that always ends cleanly but short; the partial file is kept and resumed", async () => {
    const path = BIG_PATH;
    const size = BIG.length;
    // A CDN that answers each range with a correct 206 but ends the (chunked) body cleanly after
    // 1000 bytes: no socket error, just too few bytes, every time; only the first chunk comes whole.
    const shortCdn = createServer((req: IncomingMessage, res: ServerResponse) => {
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "") ?? [];
      const start = Number(from ?? 0);
      const end = to === undefined ? size - 1 : Number(to);
      res.writeHead(206, { "content-range": `bytes ${start}-${end}/${size}` });
      res.end(BIG.subarray(start, (start === 0 ? end : Math.min(end, start + 999)) + 1));
    });
    await new Promise<void>((resolve) => shortCdn.listen(0, "127.0.0.1", resolve));
    const cdnUrl = `http://127.0.0.1:${(shortCdn.address() as { port: number }).port}/${BIG_SHA256}`;
    const redirect = {
      "x-repo-commit": COMMIT,
      "x-linked-etag": `"${BIG_SHA256}"`,
      "x-linked-size": String(size),
      etag: `"${BIG_SHA256}"`,
      location: cdnUrl,
    };
    try {
      hub.faults.inject({
        ...RESOLVE,
        method: "HEAD",
        action: { type: "status", status: 302, headers: redirect },
      });
      const error = await rejection(fetchFile(path));
      expect(error.code).toBe("AOTIHUB_INCOMPLETE_DOWNLOAD");
      expect(error.message).toContain(`the server kept ending ${cdnUrl} early`);
      expectNothingCached();
      const partial = readdirSync(join(repoDir(), "blobs")).filter((n) => n.endsWith(".incomplete"));
      expect(partial).toHaveLength(1);
      expect(partial[0]).toMatch(new RegExp(`^${BIG_SHA256}\\..+\\.incomplete$`));
    } finally {
      await new Promise((resolve) => shortCdn.close(resolve));
    }
    // the real CDN then completes it, resuming after the chunk already written whole
    const file = await fetchFile(path);
    expect(file.fetchedBytes).toBe(size - tuning.chunkSize);
    expect(assertCacheSound(repoDir())).toEqual([BIG_SHA256]);
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
    expect(snapshot.files.map((f) => f.path).sort()).toEqual(["config.json", BIG_PATH]);
    for (const [path, size] of [
      ["config.json", SMALL.length],
      [BIG_PATH, BIG.length],
    ] as const) {
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
    // 512 KiB/s per CDN response: the transfer lasts long enough to be cut
    hub.faults.inject({
      origin: "cdn",
      action: { type: "throttle", bytesPerSecond: 512 * 1024 },
      times: Infinity,
    });
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

    hub.faults.clear();
    const again = await snapshotDownload({
      repo,
      include: ["weights/*"],
      config,
      client: client(),
      ...tuning,
    });
    expect(again.files).toHaveLength(1);
    expect(assertCacheSound(repoDir())).toEqual([BIG_SHA256]);
  });
});

/** The Hub's resolve answer for the big LFS file, redirecting its download to `location` (a CDN). */
function redirectBigTo(location: string): void {
  hub.faults.inject({
    ...RESOLVE,
    method: "HEAD",
    action: {
      type: "status",
      status: 302,
      headers: {
        "x-repo-commit": COMMIT,
        "x-linked-etag": `"${BIG_SHA256}"`,
        "x-linked-size": String(BIG.length),
        etag: `"${BIG_SHA256}"`,
        location,
      },
    },
  });
}

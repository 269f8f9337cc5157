import type { IncomingHttpHeaders } from "node:http";
import { get as httpGet } from "node:http";
import { startTestHubServer, type TestHubServer } from "@aotihub/hub-server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS, createHubFixture, type HubFixture, LFS_THRESHOLD, TOKENS } from "./support/hub-fixture.js";
import { readJson } from "./support/read-json.js";

let fixture: HubFixture;
let server: TestHubServer;

beforeAll(async () => {
  fixture = await createHubFixture();
  server = await startTestHubServer({ root: fixture.root, access: ACCESS, lfsThresholdBytes: LFS_THRESHOLD });
});
afterAll(() => server?.close());

const get = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { redirect: "manual", ...init });

/** The CDN URL of an LFS file, from the 302 its resolve URL answers. */
async function cdnLocation(path: string): Promise<string> {
  const res = await get(path, { method: "HEAD" });
  expect(res.status).toBe(302);
  return res.headers.get("location")!;
}

describe("resolve: small files", () => {
  it("serves a small file with ETag = git blob sha1, X-Repo-Commit and X-Request-Id", async () => {
    const info = await readJson(await get("/api/models/acme/tiny"));
    const res = await get("/acme/tiny/resolve/main/config.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-repo-commit")).toBe(info.sha);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{40}"$/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(Buffer.from(await res.arrayBuffer())).toEqual(fixture.files.get("models/acme/tiny/config.json"));
  });

  it("answers the branch, the tag and the commit with their own trees", async () => {
    const body = async (rev: string) =>
      (await get(`/acme/tiny/resolve/${encodeURIComponent(rev)}/config.json`)).text();
    expect(await body("dev")).toContain("32");
    expect(await body("v1.0")).toContain('"hidden": 8');
    const devCommit = (await readJson(await get("/api/models/acme/tiny/revision/dev"))).sha;
    expect(await body(devCommit)).toContain("32");
  });

  it("Range: 206 with Content-Range, suffix ranges, open ranges, 416 past the end, ignored multi-ranges", async () => {
    const bytes = fixture.files.get("models/acme/tiny/README.md")!;
    const ranged = async (range: string) => {
      const res = await get("/acme/tiny/resolve/main/README.md", { headers: { range } });
      return {
        status: res.status,
        contentRange: res.headers.get("content-range"),
        body: Buffer.from(await res.arrayBuffer()),
      };
    };
    expect(await ranged("bytes=0-1")).toEqual({
      status: 206,
      contentRange: `bytes 0-1/${bytes.length}`,
      body: bytes.subarray(0, 2),
    });
    expect(await ranged("bytes=-3")).toEqual({
      status: 206,
      contentRange: `bytes ${bytes.length - 3}-${bytes.length - 1}/${bytes.length}`,
      body: bytes.subarray(-3),
    });
    expect((await ranged("bytes=2-")).body).toEqual(bytes.subarray(2));
    expect((await ranged("bytes=0-999999")).contentRange).toBe(`bytes 0-${bytes.length - 1}/${bytes.length}`);
    expect(await ranged(`bytes=${bytes.length}-`)).toEqual({
      status: 416,
      contentRange: `bytes */${bytes.length}`,
      body: Buffer.alloc(0),
    });
    expect((await ranged("bytes=-0")).status).toBe(416);
    expect((await ranged("bytes=0-1,3-4")).status).toBe(200);
    expect((await ranged("items=0-1")).status).toBe(200);
  });

  it("an empty file: 200 with no body, and any range on it is unsatisfiable", async () => {
    const res = await get("/acme/tiny/resolve/main/data/empty.txt");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("0");
    expect(
      (await get("/acme/tiny/resolve/main/data/empty.txt", { headers: { range: "bytes=0-0" } })).status,
    ).toBe(416);
  });

  it("preconditions: If-None-Match gives 304, a wrong If-Match 412, a stale If-Range the whole body", async () => {
    const etag = (await get("/acme/tiny/resolve/main/config.json")).headers.get("etag")!;
    expect(
      (await get("/acme/tiny/resolve/main/config.json", { headers: { "if-none-match": etag } })).status,
    ).toBe(304);
    expect(
      (await get("/acme/tiny/resolve/main/config.json", { headers: { "if-match": '"0000"' } })).status,
    ).toBe(412);
    expect(
      (
        await get("/acme/tiny/resolve/main/config.json", {
          headers: { "if-match": etag, range: "bytes=0-0" },
        })
      ).status,
    ).toBe(206);
    expect(
      (
        await get("/acme/tiny/resolve/main/config.json", {
          headers: { "if-range": '"old"', range: "bytes=0-0" },
        })
      ).status,
    ).toBe(200);
  });
});

describe("resolve: LFS files through the CDN origin", () => {
  it("redirects to the CDN origin with X-Linked-Etag (sha256), X-Linked-Size and X-Repo-Commit", async () => {
    for (const path of ["weights/model.safetensors", "aoti/cpu/b2.pt2", "data/blob.dat"]) {
      const res = await get(`/acme/tiny/resolve/main/${path}`, { method: "HEAD" });
      const key = `models/acme/tiny/${path}`;
      expect(res.status, path).toBe(302);
      expect(res.headers.get("x-linked-etag")).toBe(`"${fixture.sha256(key)}"`);
      expect(res.headers.get("x-linked-size")).toBe(String(fixture.files.get(key)!.length));
      expect(res.headers.get("x-repo-commit")).toMatch(/^[0-9a-f]{40}$/);
      expect(res.headers.get("location")!.startsWith(server.cdnUrl)).toBe(true);
    }
  });

  it("the CDN serves the bytes and ranges of them, never needing the token", async () => {
    const key = "models/acme/tiny/weights/model.safetensors";
    const location = await cdnLocation("/acme/tiny/resolve/main/weights/model.safetensors");
    const whole = await fetch(location);
    expect(whole.headers.get("etag")).toBe(`"${fixture.sha256(key)}"`);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(fixture.files.get(key));
    const part = await fetch(location, {
      headers: { range: "bytes=1000-1999", "if-match": `"${fixture.sha256(key)}"` },
    });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(fixture.files.get(key)!.subarray(1000, 2000));
    expect((await fetch(location, { headers: { range: "bytes=999999999-" } })).status).toBe(416);
  });

  it("a tampered or expired CDN URL is 403", async () => {
    const location = await cdnLocation("/acme/tiny/resolve/main/weights/model.safetensors");
    expect((await fetch(location.replace("commit=", "commit=0"))).status).toBe(403);
    const shortLived = await startTestHubServer({ root: fixture.root, cdnUrlTtlSeconds: 1 });
    try {
      const head = await fetch(`${shortLived.url}/acme/tiny/resolve/main/weights/model.safetensors`, {
        redirect: "manual",
      });
      await new Promise((r) => setTimeout(r, 2100));
      expect((await fetch(head.headers.get("location")!)).status).toBe(403);
    } finally {
      await shortLived.close();
    }
  });

  it("raw/ serves what git stores for an LFS file: the pointer", async () => {
    const text = await (await get("/acme/tiny/raw/main/weights/model.safetensors")).text();
    expect(text).toBe(
      `version https://git-lfs.github.com/spec/v1\noid sha256:${fixture.sha256("models/acme/tiny/weights/model.safetensors")}\nsize 200000\n`,
    );
  });
});

describe("errors as the Hub sends them", () => {
  const codeOf = async (path: string, token?: string) => {
    const res = await get(path, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return [res.status, res.headers.get("x-error-code")];
  };
  it("RepoNotFound, RevisionNotFound, EntryNotFound with the statuses the Hub uses", async () => {
    expect(await codeOf("/acme/nope/resolve/main/x")).toEqual([401, "RepoNotFound"]);
    expect(await codeOf("/acme/nope/resolve/main/x", TOKENS.bob)).toEqual([404, "RepoNotFound"]);
    expect(await codeOf("/acme/tiny/resolve/nope/config.json")).toEqual([404, "RevisionNotFound"]);
    expect(await codeOf("/acme/tiny/resolve/main/nope.json")).toEqual([404, "EntryNotFound"]);
    expect(await codeOf("/api/models/acme/tiny/revision/nope")).toEqual([404, "RevisionNotFound"]);
    const missing = await get("/acme/tiny/resolve/main/nope.json");
    expect(missing.headers.get("x-repo-commit")).toMatch(/^[0-9a-f]{40}$/);
  });
  it("private repos are invisible without a granted token; gated repos list but do not serve", async () => {
    expect(await codeOf("/api/models/acme/secret")).toEqual([401, "RepoNotFound"]);
    expect(await codeOf("/api/models/acme/secret", TOKENS.bob)).toEqual([404, "RepoNotFound"]);
    expect(await codeOf("/api/models/acme/secret", TOKENS.alice)).toEqual([200, null]);
    expect(await codeOf("/api/models/acme/gated")).toEqual([200, null]);
    expect(await codeOf("/acme/gated/resolve/main/config.json")).toEqual([401, "GatedRepo"]);
    expect(await codeOf("/acme/gated/resolve/main/config.json", TOKENS.bob)).toEqual([403, "GatedRepo"]);
    expect(await codeOf("/acme/gated/resolve/main/config.json", TOKENS.alice)).toEqual([200, null]);
    const invalid = await get("/api/models/acme/tiny", {
      headers: { authorization: "Bearer hf_unknown_token" },
    });
    expect(invalid.status).toBe(401);
    expect(invalid.headers.get("x-error-message")).toBe("Invalid credentials in Authorization header");
  });
  it("paths that try to leave the root are not found", async () => {
    expect((await get("/api/models/..%2F..%2Fetc/passwd")).status).toBe(404);
    expect(await codeOf("/acme/tiny/resolve/main/..%2F..%2F.aotihub-server.json")).toEqual([
      404,
      "EntryNotFound",
    ]);
    expect(await codeOf("/acme/tiny/resolve/main/.aotihub-refs.json")).toEqual([404, "EntryNotFound"]);
  });
});

describe("kernel repos", () => {
  it("serve /kernels/{repo}/resolve and /api/kernels with v1/v2 branches holding different trees", async () => {
    const text = async (rev: string) =>
      (await get(`/kernels/kernels-community/activation/resolve/${rev}/build/torch-cpu/__init__.py`)).text();
    expect(await text("v1")).toContain('"v1"');
    expect(await text("v2")).toContain('"v2"');
    expect(await text("main")).toContain('"v2"');
    const refs = await readJson(await get("/api/kernels/kernels-community/activation/refs"));
    const commits = Object.fromEntries(
      refs.branches.map((b: { name: string; targetCommit: string }) => [b.name, b.targetCommit]),
    );
    expect(commits.main).toBe(commits.v2);
    expect(commits.v1).not.toBe(commits.v2);
    const tree = await readJson(
      await get("/api/kernels/kernels-community/activation/tree/v1?recursive=true"),
    );
    expect(tree.map((e: { path: string }) => e.path)).toEqual([
      "build",
      "build/torch-cpu",
      "build/torch-cpu/__init__.py",
      "build/torch-cpu/_ops.so",
    ]);
  });
});

describe("CDN imitation and fault hooks", () => {
  it("paces each connection to the configured rate and adds latency", async () => {
    const slow = await startTestHubServer({
      root: fixture.root,
      throttleBytesPerSecond: 400_000,
      latencyMs: 150,
    });
    try {
      const head = await fetch(`${slow.url}/acme/tiny/resolve/main/weights/model.safetensors`, {
        redirect: "manual",
      });
      const started = performance.now();
      const body = await (await fetch(head.headers.get("location")!)).arrayBuffer();
      const seconds = (performance.now() - started) / 1000;
      const key = "models/acme/tiny/weights/model.safetensors";
      expect(Buffer.from(body)).toEqual(fixture.files.get(key));
      // 200 kB at 400 kB/s is 0.5 s, plus 0.15 s latency: pacing can only make it later. (No upper
      // bound: a loaded machine stretches any transfer; an unpaced one takes a few ms.)
      expect(seconds).toBeGreaterThan(0.6);
      // a range on the same paced path: its own bytes, and the request log counts them
      const ranged = await fetch(head.headers.get("location")!, { headers: { range: "bytes=1000-60999" } });
      expect(ranged.status).toBe(206);
      expect(Buffer.from(await ranged.arrayBuffer())).toEqual(fixture.files.get(key)!.subarray(1000, 61_000));
      while (!slow.requests.some((r) => r.range === "bytes=1000-60999"))
        await new Promise((r) => setTimeout(r, 10));
      expect(slow.requests.find((r) => r.range === "bytes=1000-60999")).toMatchObject({
        status: 206,
        completed: true,
        bodyBytes: 60_000,
      });
    } finally {
      await slow.close();
    }
  });

  it("injected faults hit the matching requests only, the given number of times", async () => {
    server.faults.inject({
      origin: "api",
      path: "/config.json",
      action: { type: "status", status: 503, headers: { "Retry-After": "1" } },
      times: 2,
    });
    expect((await get("/acme/tiny/resolve/main/config.json")).status).toBe(503);
    expect((await get("/acme/tiny/resolve/main/README.md")).status).toBe(200);
    expect((await get("/acme/tiny/resolve/main/config.json")).status).toBe(503);
    expect((await get("/acme/tiny/resolve/main/config.json")).status).toBe(200);

    const key = "models/acme/tiny/weights/model.safetensors";
    const location = await cdnLocation("/acme/tiny/resolve/main/weights/model.safetensors");
    server.faults.inject({ origin: "cdn", action: { type: "corrupt", atByte: 10 } });
    const corrupt = Buffer.from(await (await fetch(location)).arrayBuffer());
    expect(corrupt.length).toBe(200_000);
    expect(corrupt.equals(fixture.files.get(key)!)).toBe(false);

    server.faults.inject({ origin: "cdn", action: { type: "reset", afterBytes: 50_000 } });
    await expect(fetch(location).then((r) => r.arrayBuffer())).rejects.toThrow();
    expect(server.faults.pending).toBe(0);
    expect(Buffer.from(await (await fetch(location)).arrayBuffer())).toEqual(fixture.files.get(key));
  });

  it("truncate, redirect-loop and expired-cdn-url faults, each recorded with what was sent", async () => {
    const key = "models/acme/tiny/weights/model.safetensors";
    const file = "/acme/tiny/resolve/main/weights/model.safetensors";
    server.requests.length = 0;
    server.faults.inject({ origin: "cdn", action: { type: "truncate", afterBytes: 1000 } });
    await expect(fetch(await cdnLocation(file)).then((r) => r.arrayBuffer())).rejects.toThrow();
    // the record is written when the server sees the socket close, maybe after the client does
    while (!server.requests.some((r) => r.origin === "cdn")) await new Promise((r) => setTimeout(r, 10));
    const cut = server.requests.find((r) => r.origin === "cdn")!;
    expect(cut).toMatchObject({ status: 200, completed: false, bodyBytes: 1000 });

    server.faults.inject({ origin: "api", path: "/config.json", action: { type: "redirect-loop" } });
    const loop = await get("/acme/tiny/resolve/main/config.json", { redirect: "manual" });
    expect(loop.status).toBe(302);
    expect(loop.headers.get("location")).toBe("/acme/tiny/resolve/main/config.json");

    server.faults.inject({ origin: "api", path: "/resolve/", action: { type: "expired-cdn-url" } });
    expect((await fetch(await cdnLocation(file))).status).toBe(403);
    const fresh = await fetch(await cdnLocation(file));
    expect(Buffer.from(await fresh.arrayBuffer())).toEqual(fixture.files.get(key));
    expect(server.requests.at(-1)).toMatchObject({ status: 200, completed: true, bodyBytes: 200_000 });
  });

  it("wrong-length declares a lying Content-Length; endless sends more than the file, chunked", async () => {
    const file = "/acme/tiny/resolve/main/weights/model.safetensors";
    server.faults.inject({ origin: "cdn", method: "GET", action: { type: "wrong-length", delta: 500 } });
    const lying = await rawGet(await cdnLocation(file), { stopAt: 200_500, quietAfter: 200_000 });
    expect(lying.headers["content-length"]).toBe("200500");
    expect(lying.received).toBe(200_000); // the true body, then silence on an open connection

    server.faults.inject({ origin: "cdn", method: "GET", action: { type: "endless" } });
    const endless = await rawGet(await cdnLocation(file), { stopAt: 400_000 });
    expect(endless.headers["content-length"]).toBeUndefined();
    expect(endless.headers["transfer-encoding"]).toBe("chunked");
    expect(endless.received).toBeGreaterThanOrEqual(400_000);
  });

  it("records traffic: LFS downloads reach the CDN without the Authorization header", async () => {
    const res = await get("/acme/gated/resolve/main/weights.safetensors", {
      headers: { authorization: `Bearer ${TOKENS.alice}` },
    });
    await fetch(res.headers.get("location")!).then((r) => r.arrayBuffer());
    const last = server.requests.at(-1)!;
    expect(last.origin).toBe("cdn");
    expect(last.hadAuthorization).toBe(false);
    expect(last.status).toBe(200);
  });
});

/**
 * GETs with node:http and stops once `stopAt` body bytes came, or once at least `quietAfter` came
 * and then nothing for half a second (an open connection that sends nothing more).
 */
function rawGet(
  url: string,
  limits: { stopAt: number; quietAfter?: number },
): Promise<{ headers: IncomingHttpHeaders; received: number }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, (res) => {
      let received = 0;
      let quiet: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(quiet);
        request.destroy();
        resolve({ headers: res.headers, received });
      };
      res.on("data", (chunk: Buffer) => {
        received += chunk.byteLength;
        clearTimeout(quiet);
        if (received >= limits.stopAt) finish();
        else if (received >= (limits.quietAfter ?? Number.POSITIVE_INFINITY)) quiet = setTimeout(finish, 500);
      });
      res.on("error", () => finish());
    });
    request.on("error", reject);
  });
}

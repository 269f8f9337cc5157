import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fault } from "../faults/fault-injector.js";

// The hostile Hub: what a malicious or man-in-the-middled endpoint (an HF_ENDPOINT mirror, a LAN
// server, a proxy) can answer. Each attack is a fault armed on the local Hub (every matching
// request, for as long as it runs), so the client's retries meet it too. A client must refuse each
// with a typed error, within a bounded number of requests, writing nothing outside its cache.

/** A commit and an etag that look right, for answers that must only be wrong in one place. */
export const PLAUSIBLE_COMMIT = "c0ffee".padEnd(40, "0");
export const PLAUSIBLE_SHA1 = "a1".repeat(20);

export type HostileAttack =
  | "commit-traversal"
  | "etag-traversal"
  | "absolute-tree-path"
  | "traversal-tree-path"
  | "cross-origin-pagination"
  | "redirect-loop"
  | "huge-headers"
  | "huge-listing"
  | "wrong-content-length"
  | "endless-body";

export interface HostileAttackOptions {
  /** What the traversals aim at: a path relative to the folder the client joins it onto, or absolute. */
  target?: string;
  /** For cross-origin-pagination: the origin the `Link` header points to. */
  otherOrigin?: string;
  /** For huge-listing: how many entries (default 100,000). */
  entries?: number;
}

const RESOLVE = /\/resolve\//;
const TREE = /\/tree\//;

/** The fault that makes the local Hub run one attack, on every request it matches. */
export function hostileFault(attack: HostileAttack, options: HostileAttackOptions = {}): Fault {
  const target = options.target ?? "../../../../../../../../tmp/aotihub-canary/x";
  const always = { times: Number.POSITIVE_INFINITY };
  switch (attack) {
    case "commit-traversal":
      return { ...always, path: RESOLVE, action: respond(fileHead({ commit: target })) };
    case "etag-traversal":
      return { ...always, path: RESOLVE, action: respond(fileHead({ etag: target })) };
    case "absolute-tree-path":
      return { ...always, path: TREE, action: respond(json([fileEntry(target)])) };
    case "traversal-tree-path":
      return { ...always, path: TREE, action: respond(json([fileEntry(`build/${target}`)])) };
    case "cross-origin-pagination":
      return {
        ...always,
        path: TREE,
        action: respond((req, res) => {
          const next = new URL(req.url ?? "/", options.otherOrigin ?? "http://127.0.0.1:9");
          next.searchParams.set("cursor", "stolen");
          json([fileEntry("config.json")], { Link: `<${next}>; rel="next"` })(req, res);
        }),
      };
    case "redirect-loop":
      return { ...always, path: RESOLVE, action: { type: "redirect-loop" } };
    case "huge-headers":
      return {
        ...always,
        path: RESOLVE,
        action: respond(fileHead({ extra: { "X-Padding": "x".repeat(1 << 20) } })),
      };
    case "huge-listing": {
      const count = options.entries ?? 100_000;
      return {
        ...always,
        path: TREE,
        action: respond(json(Array.from({ length: count }, (_, i) => fileEntry(`f/${i}.bin`)))),
      };
    }
    case "wrong-content-length":
      return { ...always, method: "GET", path: RESOLVE, action: respond(shortBody) };
    case "endless-body":
      return { ...always, method: "GET", path: RESOLVE, action: respond(endlessBody) };
  }
}

function respond(fn: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Fault["action"] {
  return { type: "respond", respond: fn };
}

/** A resolve answer as the Hub gives it for a small (non-LFS) file, with one part replaced. */
function fileHead(over: { commit?: string; etag?: string; extra?: Record<string, string> }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const body = Buffer.from("{}");
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Content-Length": body.byteLength,
      "X-Repo-Commit": over.commit ?? PLAUSIBLE_COMMIT,
      ETag: `"${over.etag ?? PLAUSIBLE_SHA1}"`,
      ...over.extra,
    });
    res.end(req.method === "HEAD" ? undefined : body);
  };
}

function fileEntry(path: string) {
  return { type: "file", oid: PLAUSIBLE_SHA1, size: 2, path };
}

function json(value: unknown, headers: Record<string, string> = {}) {
  const body = Buffer.from(JSON.stringify(value));
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.byteLength, ...headers });
    res.end(body);
  };
}

/** Promises 1,000 bytes, sends 10, closes: a body shorter than its Content-Length, on the raw socket. */
function shortBody(req: IncomingMessage) {
  const socket = req.socket;
  socket.write(
    `HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-Repo-Commit: ${PLAUSIBLE_COMMIT}\r\nETag: "${PLAUSIBLE_SHA1}"\r\n\r\n0123456789`,
  );
  socket.end();
}

/** A chunked body that never ends: 64 KiB after 64 KiB until the client hangs up. */
async function endlessBody(_req: IncomingMessage, res: ServerResponse) {
  res.writeHead(200, {
    "Content-Type": "application/octet-stream",
    "X-Repo-Commit": PLAUSIBLE_COMMIT,
    ETag: `"${PLAUSIBLE_SHA1}"`,
  });
  const chunk = Buffer.alloc(64 << 10, 0x41);
  while (!res.destroyed && !res.writableEnded) {
    if (!res.write(chunk)) {
      await new Promise<void>((done) => {
        res.once("drain", done);
        res.once("close", done);
      });
    }
  }
}

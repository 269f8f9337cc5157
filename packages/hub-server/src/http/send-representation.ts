import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { throttleForConnection } from "../cdn/connection-throttle.js";
import type { FaultAction } from "../faults/fault-injector.js";
import { parseByteRange } from "./byte-range.js";
import { etagListMatches, quoteEtag } from "./entity-tag.js";

export interface Representation {
  /** The bytes: a file on disk or a buffer (an LFS pointer). */
  source: { path: string } | { bytes: Buffer };
  size: number;
  /** Unquoted etag, also used for `If-Match`, `If-None-Match` and `If-Range`. */
  etag: string;
  /** Extra headers (`X-Repo-Commit`, `Content-Type`, ...). */
  headers: Record<string, string>;
  bytesPerSecond?: number;
  fault?: FaultAction | null;
}

/**
 * Answers GET or HEAD for one representation with HTTP semantics downloaders rely on:
 * preconditions (412, 304), one byte range (206, 416, suffix ranges, `If-Range`), and a body
 * streamed from disk, optionally paced per connection or broken on purpose by a test fault.
 */
export async function sendRepresentation(
  req: IncomingMessage,
  res: ServerResponse,
  representation: Representation,
): Promise<void> {
  const { size, etag } = representation;
  const common = { ...representation.headers, ETag: quoteEtag(etag), "Accept-Ranges": "bytes" };
  const ifMatch = req.headers["if-match"];
  if (ifMatch !== undefined && !etagListMatches(ifMatch, etag)) {
    res.writeHead(412, { ...common, "Content-Length": 0 }).end();
    return;
  }
  if (etagListMatches(req.headers["if-none-match"], etag)) {
    res.writeHead(304, common).end();
    return;
  }
  const ifRange = req.headers["if-range"] as string | undefined;
  const rangeHeader = ifRange === undefined || etagListMatches(ifRange, etag) ? req.headers.range : undefined;
  const range = parseByteRange(rangeHeader, size);
  if (range.kind === "unsatisfiable") {
    res.writeHead(416, { ...common, "Content-Range": `bytes */${size}`, "Content-Length": 0 }).end();
    return;
  }
  const start = range.kind === "range" ? range.start : 0;
  const end = range.kind === "range" ? range.end : size - 1;
  const length = Math.max(0, end - start + 1);
  res.writeHead(range.kind === "range" ? 206 : 200, {
    ...common,
    "Content-Length": length,
    ...(range.kind === "range" ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === "HEAD" || length === 0) {
    res.end();
    return;
  }
  const body =
    "path" in representation.source
      ? createReadStream(representation.source.path, { start, end, highWaterMark: 256 * 1024 })
      : Readable.from([representation.source.bytes.subarray(start, end + 1)]);
  const stages: NodeJS.ReadWriteStream[] = [];
  const fault = representation.fault;
  if (fault?.type === "corrupt") stages.push(flipByteAt(fault.atByte ?? Math.floor(length / 2)));
  if (fault?.type === "reset") stages.push(cutAfter(fault.afterBytes, () => res.destroy()));
  if (fault?.type === "stall") stages.push(cutAfter(0, () => setTimeout(() => res.destroy(), fault.ms)));
  if (representation.bytesPerSecond && res.socket) {
    stages.push(throttleForConnection(res.socket, representation.bytesPerSecond));
  }
  try {
    await pipeline([body, ...stages, res]);
  } catch {
    // The client went away or a fault cut the body: the socket is already closed, nothing to answer.
    res.destroy();
  }
}

function flipByteAt(offset: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (offset >= seen && offset < seen + chunk.byteLength) {
        const copy = Buffer.from(chunk);
        copy[offset - seen] = copy[offset - seen]! ^ 0xff;
        chunk = copy;
      }
      seen += chunk.byteLength;
      done(null, chunk);
    },
  });
}

/**
 * Lets `limit` bytes through, then calls `cut` once and holds the rest back, so the response never
 * ends cleanly: the client sees a body shorter than its Content-Length when the socket drops.
 */
function cutAfter(limit: number, cut: () => void): Transform {
  let sent = 0;
  let didCut = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const room = Math.max(0, limit - sent);
      if (room > 0) this.push(chunk.subarray(0, room));
      sent += Math.min(room, chunk.byteLength);
      if (sent < limit) {
        done();
        return;
      }
      if (!didCut) {
        didCut = true;
        // Let the bytes already pushed reach the socket before cutting it.
        setImmediate(cut);
      }
    },
    flush(done: TransformCallback) {
      if (!didCut) done();
    },
  });
}

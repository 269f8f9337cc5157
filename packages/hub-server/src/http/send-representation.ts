import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { throttleForConnection } from "../cdn/connection-throttle.js";
import { sendPacedFile } from "../cdn/paced-file-body.js";
import { bodyFaultStages, declaredLength } from "../faults/apply-fault.js";
import type { BodyFault } from "../faults/fault-injector.js";
import { diskFileBytes, type FileBytes } from "../repo/file-bytes.js";
import { countBodyBytes } from "./body-bytes.js";
import { parseByteRange } from "./byte-range.js";
import { etagListMatches, quoteEtag } from "./entity-tag.js";

export interface Representation {
  /** The bytes: a file (read through `from`) or a buffer (an LFS pointer). */
  source: { path: string; from: FileBytes } | { bytes: Buffer };
  size: number;
  /** Unquoted etag, also used for `If-Match`, `If-None-Match` and `If-Range`. */
  etag: string;
  /** Extra headers (`X-Repo-Commit`, `Content-Type`, ...). */
  headers: Record<string, string>;
  bytesPerSecond?: number;
  fault?: BodyFault | null;
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
  const declared = declaredLength(representation.fault, length);
  res.writeHead(range.kind === "range" ? 206 : 200, {
    ...common,
    ...(declared === null ? {} : { "Content-Length": declared }),
    ...(range.kind === "range" ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === "HEAD" || length === 0) {
    res.end();
    return;
  }
  const { source, bytesPerSecond, fault } = representation;
  if ("path" in source && source.from === diskFileBytes && bytesPerSecond && !fault && res.socket) {
    // the capped CDN of benchmarks: paced from reused buffers, no stream stages (sendPacedFile)
    await sendPacedFile(res, source.path, start, end, bytesPerSecond).catch(() => res.destroy());
    return;
  }
  const body =
    "path" in representation.source
      ? representation.source.from.read(representation.source.path, start, end)
      : Readable.from([representation.source.bytes.subarray(start, end + 1)]);
  const stages: NodeJS.ReadWriteStream[] = [];
  if (representation.fault) stages.push(...bodyFaultStages(representation.fault, res, length));
  if (representation.bytesPerSecond && res.socket) {
    stages.push(throttleForConnection(res.socket, representation.bytesPerSecond));
  }
  stages.push(countBodyBytes(res));
  try {
    await pipeline([body, ...stages, res]);
  } catch {
    // The client went away or a fault cut the body: the socket is already closed, nothing to answer.
    res.destroy();
  }
}

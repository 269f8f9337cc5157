import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Transform, type TransformCallback } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { BodyFault, FaultAction } from "./fault-injector.js";

/**
 * Applies a fault that replaces or delays the answer. Returns true when the request is answered
 * (or deliberately never will be); false when the server must still answer it, maybe with a body
 * fault (see bodyFaultStages) or with the fault's meaning to a route (`expired-cdn-url`).
 */
export async function answerWithFault(
  req: IncomingMessage,
  res: ServerResponse,
  fault: FaultAction,
): Promise<boolean> {
  switch (fault.type) {
    case "reset":
      if (fault.afterBytes > 0) return false;
      resetConnection(req.socket);
      return true;
    case "hang":
      return true;
    case "delay":
      await sleep(fault.ms);
      return false;
    case "status": {
      const body = Buffer.from(fault.body ?? JSON.stringify({ error: `Injected fault: ${fault.status}` }));
      res.writeHead(fault.status, {
        "Content-Type": "application/json",
        "Content-Length": body.byteLength,
        ...fault.headers,
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return true;
    }
    case "respond":
      await fault.respond(req, res);
      return true;
    case "redirect-loop":
      res.writeHead(302, { Location: req.url ?? "/", "Content-Length": 0 }).end();
      return true;
    default:
      return false;
  }
}

export function isBodyFault(fault: FaultAction | null | undefined): fault is BodyFault {
  return (
    fault?.type === "reset" ||
    fault?.type === "truncate" ||
    fault?.type === "corrupt" ||
    fault?.type === "stall" ||
    fault?.type === "throttle" ||
    fault?.type === "wrong-length" ||
    fault?.type === "endless"
  );
}

/** Stream stages that break a body of `length` bytes as the fault says. */
export function bodyFaultStages(fault: BodyFault, res: ServerResponse, length: number): Transform[] {
  switch (fault.type) {
    case "corrupt":
      return [flipByteAt(fault.atByte ?? Math.floor(length / 2))];
    case "reset":
      return [cutAfter(fault.afterBytes, () => (res.socket ? resetConnection(res.socket) : res.destroy()))];
    case "truncate":
      return [cutAfter(fault.afterBytes, () => res.destroy())];
    case "stall":
      return [cutAfter(0, () => setTimeout(() => res.destroy(), fault.ms))];
    case "throttle":
      return [trickle(fault.bytesPerSecond)];
    case "wrong-length":
      return []; // the header lies (see declaredLength); the body is the true one
    case "endless":
      return [neverEnding(res)];
  }
}

/**
 * The Content-Length header a body of `length` bytes is sent with: the true one, a wrong one, or
 * none (an `endless` body goes chunked).
 */
export function declaredLength(fault: BodyFault | null | undefined, length: number): number | null {
  if (fault?.type === "wrong-length") return Math.max(0, length + fault.delta);
  if (fault?.type === "endless") return null;
  return length;
}

/** Passes the body through, then never ends: 16 KiB of filler every 10 ms until the client goes. */
function neverEnding(res: ServerResponse): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      done(null, chunk);
    },
    flush() {
      const filler = Buffer.alloc(16 * 1024, 0x20);
      const timer = setInterval(() => this.push(filler), 10);
      res.once("close", () => clearInterval(timer));
    },
  });
}

/** A TCP RST, as a crashed proxy or a dropped NAT entry gives; a plain destroy() sends a FIN. */
function resetConnection(socket: Socket): void {
  if (socket.destroyed) return;
  socket.resetAndDestroy();
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

const TRICKLE_SLICE_BYTES = 16 * 1024;

/** Paces one body to `bytesPerSecond`, in small slices so the client sees a steady trickle. */
function trickle(bytesPerSecond: number): Transform {
  let nextSendAt = performance.now();
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      (async () => {
        for (let offset = 0; offset < chunk.byteLength; offset += TRICKLE_SLICE_BYTES) {
          const slice = chunk.subarray(offset, offset + TRICKLE_SLICE_BYTES);
          const now = performance.now();
          if (nextSendAt > now) await sleep(nextSendAt - now);
          nextSendAt = Math.max(now, nextSendAt) + (slice.byteLength / bytesPerSecond) * 1000;
          this.push(slice);
        }
      })().then(() => done(), done);
    },
  });
}

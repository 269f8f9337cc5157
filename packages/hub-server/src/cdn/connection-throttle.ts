import type { Socket } from "node:net";
import { Transform, type TransformCallback } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * How late (ms) a slice may go out and still keep its place in the schedule. Timers fire a
 * millisecond or more late; without this slack every late wake-up was lost for good and one
 * connection paced to 40 MB/s delivered 20-27 MB/s. Bounded, so a stall buys at most this much burst.
 */
const CATCH_UP_MS = 10;

/** When each connection may send its next byte, so keep-alive requests on one socket share one budget. */
const nextSendTime = new WeakMap<Socket, number>();

/**
 * The schedule of one body on its connection, the way a CDN caps each connection: parallel
 * connections each get the full rate, one connection never more. The schedule starts when the body
 * does: time the socket sat idle before it (the added latency, a client between requests) earns no
 * credit, so latency is never hidden by a burst.
 */
export class ConnectionPace {
  /** Slices of ~2 ms of transfer: fine-grained pacing without a timer per few kilobytes. */
  readonly sliceBytes: number;

  constructor(
    private readonly socket: Socket,
    private readonly bytesPerSecond: number,
  ) {
    this.sliceBytes = Math.max(1024, Math.min(64 * 1024, Math.floor(bytesPerSecond / 500)));
    nextSendTime.set(socket, Math.max(performance.now(), nextSendTime.get(socket) ?? 0));
  }

  /** Books `bytes` on the connection's schedule; returns how long (ms) to wait before sending them. */
  book(bytes: number): number {
    const now = performance.now();
    const sendAt = Math.max(nextSendTime.get(this.socket) ?? now, now - CATCH_UP_MS);
    nextSendTime.set(this.socket, sendAt + (bytes / this.bytesPerSecond) * 1000);
    return sendAt - now;
  }
}

/** Paces a body stream to `bytesPerSecond` for the connection it goes out on (see ConnectionPace). */
export function throttleForConnection(socket: Socket, bytesPerSecond: number): Transform {
  const pace = new ConnectionPace(socket, bytesPerSecond);
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      (async () => {
        for (let offset = 0; offset < chunk.byteLength; offset += pace.sliceBytes) {
          const slice = chunk.subarray(offset, offset + pace.sliceBytes);
          const wait = pace.book(slice.byteLength);
          if (wait > 0) await sleep(wait);
          this.push(slice);
        }
      })().then(() => done(), done);
    },
  });
}

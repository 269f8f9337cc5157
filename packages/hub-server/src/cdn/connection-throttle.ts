import type { Socket } from "node:net";
import { Transform, type TransformCallback } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

const SLICE_BYTES = 16 * 1024;

/** When each connection may send its next byte, so keep-alive requests on one socket share one budget. */
const nextSendTime = new WeakMap<Socket, number>();

/**
 * Paces a body to `bytesPerSecond` for the connection it goes out on, the way a CDN caps each
 * connection: parallel connections each get the full rate, one connection never more.
 */
export function throttleForConnection(socket: Socket, bytesPerSecond: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      (async () => {
        for (let offset = 0; offset < chunk.byteLength; offset += SLICE_BYTES) {
          const slice = chunk.subarray(offset, offset + SLICE_BYTES);
          const now = performance.now();
          const sendAt = Math.max(now, nextSendTime.get(socket) ?? now);
          nextSendTime.set(socket, sendAt + (slice.byteLength / bytesPerSecond) * 1000);
          if (sendAt > now) await sleep(sendAt - now);
          this.push(slice);
        }
      })().then(() => done(), done);
    },
  });
}

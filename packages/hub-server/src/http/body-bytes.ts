import type { ServerResponse } from "node:http";
import { Transform, type TransformCallback } from "node:stream";

const sent = new WeakMap<ServerResponse, number>();

/** Counts `bytes` more file bytes handed to `res`, for the request log of tests. */
export function recordBodyBytes(res: ServerResponse, bytes: number): void {
  sent.set(res, (sent.get(res) ?? 0) + bytes);
}

/** A pass-through stage that counts the file bytes handed to `res` (recordBodyBytes). */
export function countBodyBytes(res: ServerResponse): Transform {
  sent.set(res, 0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      recordBodyBytes(res, chunk.byteLength);
      done(null, chunk);
    },
  });
}

/** File bytes sent on `res` so far (0 for answers that carried no file body). */
export function bodyBytesSent(res: ServerResponse): number {
  return sent.get(res) ?? 0;
}

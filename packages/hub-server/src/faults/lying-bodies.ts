import { Readable } from "node:stream";

const FILLER = Buffer.alloc(64 * 1024, 0x2a);

/**
 * The file's bytes, then filler forever: a body that never ends (a proxy looping, a server bug).
 * Sent without a Content-Length, so only the client's own bound on the bytes it asked for stops it.
 */
export function neverEndingBody(body: Readable): Readable {
  return Readable.from(
    (async function* () {
      yield* body;
      for (;;) yield FILLER;
    })(),
  );
}

/** The Content-Length a `wrong-content-length` fault announces instead of the true `length`. */
export function lyingContentLength(length: number, delta: number): number {
  return Math.max(0, length + delta);
}

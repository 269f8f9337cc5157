import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";

/**
 * Where the server reads a served file's bytes from: the disk, except in tests that serve
 * synthetic content too large to write (the testing entry's synthetic files). Hashing and
 * sending both read through it, so ids and bodies always agree.
 */
export interface FileBytes {
  /** Bytes `start..end` (inclusive) of the file at `path`. */
  read(path: string, start: number, end: number): Readable;
}

export const diskFileBytes: FileBytes = {
  read: (path, start, end) => createReadStream(path, { start, end, highWaterMark: 256 * 1024 }),
};

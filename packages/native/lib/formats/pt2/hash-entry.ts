import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { crc32 } from "node:zlib";
import { Pt2InvalidError } from "./pt2-invalid-error.js";
import { hex } from "./read-small-entry.js";
import type { Pt2Entry } from "./types.js";

const CHUNK_BYTES = 4 << 20;

/**
 * Streams an entry's bytes out of the package, computing its sha256 and checking its CRC-32, and
 * writes them to `sink` when given: hashing while copying, so what lands on disk is exactly what
 * was hashed. Memory stays at one chunk whatever the entry's size.
 */
export async function hashEntry(
  source: FileHandle,
  entry: Pt2Entry,
  path: string,
  sink?: FileHandle,
): Promise<string> {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(entry.size, 1)));
  let checksum = 0;
  let done = 0;
  while (done < entry.size) {
    const want = Math.min(buffer.length, entry.size - done);
    const { bytesRead } = await source.read(buffer, 0, want, entry.dataOffset + done);
    if (bytesRead === 0) {
      throw new Pt2InvalidError(path, "an entry is cut off", {
        entry: entry.name,
        expected: `${entry.size} bytes at ${entry.dataOffset}`,
        received: `${done} bytes before the end of the file`,
      });
    }
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    checksum = crc32(chunk, checksum);
    if (sink !== undefined) await writeAll(sink, chunk);
    done += bytesRead;
  }
  if (checksum !== entry.crc32) {
    throw new Pt2InvalidError(path, "an entry's bytes do not match its checksum", {
      entry: entry.name,
      expected: `CRC-32 ${hex(entry.crc32)}`,
      received: `CRC-32 ${hex(checksum)}`,
    });
  }
  return hash.digest("hex");
}

async function writeAll(sink: FileHandle, chunk: Buffer): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await sink.write(chunk, written, chunk.length - written);
    written += bytesWritten;
  }
}

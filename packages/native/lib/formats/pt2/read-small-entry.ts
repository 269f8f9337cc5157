import type { FileHandle } from "node:fs/promises";
import { crc32 } from "node:zlib";
import { readExactly } from "../read-exactly.js";
import { Pt2InvalidError } from "./pt2-invalid-error.js";
import type { Pt2Entry } from "./types.js";

/** Small records (metadata JSON, archive_format) are read whole; anything larger is suspect. */
export const MAX_SMALL_ENTRY_BYTES = 1 << 20;

/** Reads a small entry whole and checks its CRC-32, so a flipped byte never parses as metadata. */
export async function readSmallEntry(handle: FileHandle, entry: Pt2Entry, path: string): Promise<Buffer> {
  if (entry.size > MAX_SMALL_ENTRY_BYTES) {
    throw new Pt2InvalidError(path, "a metadata entry is implausibly large", {
      entry: entry.name,
      expected: `at most ${MAX_SMALL_ENTRY_BYTES} bytes`,
      received: `${entry.size} bytes`,
    });
  }
  const bytes = await readExactly(handle, entry.dataOffset, entry.size);
  if (bytes === null) {
    throw new Pt2InvalidError(path, "an entry is cut off", {
      entry: entry.name,
      expected: `${entry.size} bytes at ${entry.dataOffset}`,
      received: "the end of the file first",
    });
  }
  const actual = crc32(bytes);
  if (actual !== entry.crc32) {
    throw new Pt2InvalidError(path, "an entry's bytes do not match its checksum", {
      entry: entry.name,
      expected: `CRC-32 ${hex(entry.crc32)}`,
      received: `CRC-32 ${hex(actual)}`,
    });
  }
  return bytes;
}

export function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

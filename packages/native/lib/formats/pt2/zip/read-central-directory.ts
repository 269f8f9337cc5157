import type { FileHandle } from "node:fs/promises";
import { readExactly } from "../../read-exactly.js";
import { Pt2InvalidError } from "../pt2-invalid-error.js";
import type { CentralDirectoryLocation } from "./read-end-of-central-directory.js";
import { readU64 } from "./read-u64.js";
import {
  CENTRAL_HEADER_SIGNATURE,
  CENTRAL_HEADER_SIZE,
  U16_SENTINEL,
  U32_SENTINEL,
  ZIP64_EXTRA_ID,
} from "./zip-constants.js";

/** What the central directory says about one entry, before its local header is checked. */
export interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Parses every central directory header; the headers must fill the directory exactly. */
export async function readCentralDirectory(
  handle: FileHandle,
  location: CentralDirectoryLocation,
  path: string,
): Promise<CentralEntry[]> {
  const directory = await readExactly(handle, location.offset, location.size);
  if (directory === null) {
    throw new Pt2InvalidError(path, "the central directory is cut off", {
      expected: `${location.size} bytes at ${location.offset}`,
      received: "the end of the file first",
    });
  }
  const entries: CentralEntry[] = [];
  let at = 0;
  for (let index = 0; index < location.entryCount; index++) {
    const entry = parseCentralHeader(directory, at, index, path);
    entries.push(entry.value);
    at = entry.next;
  }
  if (at !== directory.length) {
    throw new Pt2InvalidError(path, "the central directory holds more than its entries", {
      expected: `${location.entryCount} headers filling ${directory.length} bytes`,
      received: `${directory.length - at} bytes left over`,
    });
  }
  return entries;
}

function parseCentralHeader(
  directory: Buffer,
  at: number,
  index: number,
  path: string,
): { value: CentralEntry; next: number } {
  const cutOff = () =>
    new Pt2InvalidError(path, `central directory header #${index} is cut off`, {
      expected: "a complete header inside the central directory",
      received: `a header running past byte ${directory.length} of the directory`,
    });
  if (at + CENTRAL_HEADER_SIZE > directory.length) throw cutOff();
  if (directory.readUInt32LE(at) !== CENTRAL_HEADER_SIGNATURE) {
    throw new Pt2InvalidError(path, `central directory header #${index} has a bad signature`, {
      expected: "PK\\1\\2",
      received: `0x${directory.readUInt32LE(at).toString(16)}`,
    });
  }
  const nameLength = directory.readUInt16LE(at + 28);
  const extraLength = directory.readUInt16LE(at + 30);
  const commentLength = directory.readUInt16LE(at + 32);
  const next = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
  if (next > directory.length) throw cutOff();

  const nameStart = at + CENTRAL_HEADER_SIZE;
  let name: string;
  try {
    name = UTF8.decode(directory.subarray(nameStart, nameStart + nameLength));
  } catch (cause) {
    throw new Pt2InvalidError(path, `entry #${index} has a name that is not UTF-8`, {
      expected: "a UTF-8 entry name",
      received: directory.subarray(nameStart, nameStart + nameLength).toString("hex"),
      cause,
    });
  }

  let compressedSize: number = directory.readUInt32LE(at + 20);
  let size: number = directory.readUInt32LE(at + 24);
  let localHeaderOffset: number = directory.readUInt32LE(at + 42);
  const diskStart = directory.readUInt16LE(at + 34);

  // A 32-bit field at its sentinel is continued, in this fixed order, in the ZIP64 extra field.
  const wide = readZip64Extra(directory, nameStart + nameLength, extraLength);
  const take = (field: string): number => {
    const value = wide?.shift();
    if (value === undefined || value === null) {
      throw new Pt2InvalidError(path, `the ${field} of an entry is missing from its ZIP64 extra field`, {
        entry: name,
        expected: `a 64-bit ${field} in the ZIP64 extra field (0x0001)`,
        received: wide === null ? "no ZIP64 extra field" : "a field too short or past 2^53",
      });
    }
    return value;
  };
  if (size === U32_SENTINEL) size = take("uncompressed size");
  if (compressedSize === U32_SENTINEL) compressedSize = take("compressed size");
  if (localHeaderOffset === U32_SENTINEL) localHeaderOffset = take("local header offset");
  if (diskStart !== 0 && diskStart !== U16_SENTINEL) {
    throw new Pt2InvalidError(path, "an entry starts on another disk", {
      entry: name,
      expected: "disk 0",
      received: `disk ${diskStart}`,
    });
  }

  return {
    value: {
      name,
      flags: directory.readUInt16LE(at + 8),
      method: directory.readUInt16LE(at + 10),
      crc32: directory.readUInt32LE(at + 16),
      compressedSize,
      size,
      localHeaderOffset,
    },
    next,
  };
}

/** The 64-bit values of the ZIP64 extra field, in order, or null when there is none. */
function readZip64Extra(buffer: Buffer, start: number, length: number): (number | null)[] | null {
  let at = start;
  const end = start + length;
  while (at + 4 <= end) {
    const id = buffer.readUInt16LE(at);
    const dataLength = buffer.readUInt16LE(at + 2);
    const dataStart = at + 4;
    if (dataStart + dataLength > end) return null;
    if (id === ZIP64_EXTRA_ID) {
      const values: (number | null)[] = [];
      for (let v = dataStart; v + 8 <= dataStart + dataLength; v += 8) values.push(readU64(buffer, v));
      return values;
    }
    at = dataStart + dataLength;
  }
  return null;
}

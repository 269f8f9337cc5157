import type { FileHandle } from "node:fs/promises";
import { readExactly } from "../../read-exactly.js";
import { Pt2InvalidError } from "../pt2-invalid-error.js";
import { readU64 } from "./read-u64.js";
import {
  EOCD_SIGNATURE,
  EOCD_SIZE,
  MAX_COMMENT_LENGTH,
  U16_SENTINEL,
  U32_SENTINEL,
  ZIP64_EOCD_SIGNATURE,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIGNATURE,
  ZIP64_LOCATOR_SIZE,
} from "./zip-constants.js";

export interface CentralDirectoryLocation {
  entryCount: number;
  offset: number;
  size: number;
  /** Where the central directory must end: the ZIP64 EOCD record if any, else the EOCD. */
  end: number;
}

/**
 * Finds the End Of Central Directory record (and the ZIP64 record torch's miniz writer always adds,
 * see caffe2/serialize/inline_container.cc `MZ_ZIP_FLAG_WRITE_ZIP64`) and returns where the central
 * directory is. Strict where zip readers are lenient: one disk, the comment must reach exactly the
 * end of the file, the central directory must end where the EOCD records start (no prepended or
 * interleaved data), and the 32-bit and 64-bit records must agree.
 */
export async function readEndOfCentralDirectory(
  handle: FileHandle,
  fileSize: number,
  path: string,
): Promise<CentralDirectoryLocation> {
  const fail = (problem: string, expected: string, received: string) =>
    new Pt2InvalidError(path, problem, { expected, received });

  if (fileSize < EOCD_SIZE) {
    throw fail("too small to be a zip archive", `at least ${EOCD_SIZE} bytes`, `${fileSize} bytes`);
  }
  const tailLength = Math.min(fileSize, EOCD_SIZE + MAX_COMMENT_LENGTH);
  const tailStart = fileSize - tailLength;
  const tail = await readExactly(handle, tailStart, tailLength);
  if (tail === null) throw fail("the file shrank while being read", `${fileSize} bytes`, "fewer");

  let at = -1;
  for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE && tail.readUInt16LE(i + 20) === tailLength - i - EOCD_SIZE) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    throw fail(
      "no End Of Central Directory record",
      "a zip End Of Central Directory record (PK\\5\\6) whose comment ends at the end of the file",
      "none found in the last 64 KiB: the file is truncated or not a zip",
    );
  }
  const eocdOffset = tailStart + at;
  const diskNumber = tail.readUInt16LE(at + 4);
  const cdDisk = tail.readUInt16LE(at + 6);
  const entriesOnDisk = tail.readUInt16LE(at + 8);
  let entryCount: number = tail.readUInt16LE(at + 10);
  let size: number = tail.readUInt32LE(at + 12);
  let offset: number = tail.readUInt32LE(at + 16);
  if ((diskNumber !== 0 && diskNumber !== U16_SENTINEL) || (cdDisk !== 0 && cdDisk !== U16_SENTINEL)) {
    throw fail(
      "a multi-disk (split) archive",
      "a single-file archive (disk 0)",
      `disk ${diskNumber}/${cdDisk}`,
    );
  }
  if (entriesOnDisk !== entryCount) {
    throw fail("inconsistent entry counts", `${entryCount} entries on this disk`, `${entriesOnDisk}`);
  }

  let end = eocdOffset;
  const locatorOffset = eocdOffset - ZIP64_LOCATOR_SIZE;
  const locator = locatorOffset >= 0 ? await readExactly(handle, locatorOffset, ZIP64_LOCATOR_SIZE) : null;
  if (locator !== null && locator.readUInt32LE(0) === ZIP64_LOCATOR_SIGNATURE) {
    const zip64Offset = readU64(locator, 8);
    if (locator.readUInt32LE(4) !== 0 || locator.readUInt32LE(16) !== 1) {
      throw fail("a multi-disk ZIP64 archive", "ZIP64 locator on disk 0 of 1 disk", "another disk layout");
    }
    if (zip64Offset === null || zip64Offset + ZIP64_EOCD_SIZE > locatorOffset) {
      throw fail(
        "the ZIP64 locator points outside the file",
        `a ZIP64 EOCD record before byte ${locatorOffset}`,
        `offset ${locator.readBigUInt64LE(8)}`,
      );
    }
    const record = await readExactly(handle, zip64Offset, ZIP64_EOCD_SIZE);
    if (record === null || record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) {
      throw fail(
        "no ZIP64 End Of Central Directory record where the locator says",
        "PK\\6\\6",
        "other bytes",
      );
    }
    const recordSize = readU64(record, 4);
    if (recordSize === null || zip64Offset + 12 + recordSize !== locatorOffset) {
      throw fail(
        "the ZIP64 End Of Central Directory record has a wrong length",
        `a record that ends at the locator (byte ${locatorOffset})`,
        `declared size ${record.readBigUInt64LE(4)}`,
      );
    }
    if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0) {
      throw fail("a multi-disk ZIP64 archive", "disk 0", "another disk");
    }
    const count64 = readU64(record, 24);
    const total64 = readU64(record, 32);
    const size64 = readU64(record, 40);
    const offset64 = readU64(record, 48);
    if (count64 === null || total64 === null || size64 === null || offset64 === null || count64 !== total64) {
      throw fail(
        "the ZIP64 End Of Central Directory record is inconsistent",
        "sane counts and sizes",
        "other",
      );
    }
    const agrees = (narrow: number, sentinel: number, wide: number) => narrow === sentinel || narrow === wide;
    if (
      !agrees(entryCount, U16_SENTINEL, count64) ||
      !agrees(size, U32_SENTINEL, size64) ||
      !agrees(offset, U32_SENTINEL, offset64)
    ) {
      throw fail(
        "the ZIP and ZIP64 End Of Central Directory records disagree",
        `${count64} entries, directory of ${size64} bytes at ${offset64}`,
        `${entryCount} entries, directory of ${size} bytes at ${offset}`,
      );
    }
    entryCount = count64;
    size = size64;
    offset = offset64;
    end = zip64Offset;
  }

  if (offset + size !== end) {
    throw fail(
      "the central directory is not where the End Of Central Directory says",
      `a central directory ending at byte ${end}`,
      `${size} bytes from byte ${offset} (ending at ${offset + size})`,
    );
  }
  return { entryCount, offset, size, end };
}

import type { FileHandle } from "node:fs/promises";
import { readExactly } from "../../read-exactly.js";
import { Pt2InvalidError } from "../pt2-invalid-error.js";
import type { CentralEntry } from "./read-central-directory.js";
import { LOCAL_HEADER_SIGNATURE, LOCAL_HEADER_SIZE } from "./zip-constants.js";

/**
 * The absolute offset where an entry's data starts: after its local header, whose name and extra
 * field (torch pads it to align data to 64 bytes) may differ in length from the central copy. The
 * local name must equal the central one, so the two directories cannot describe different files.
 */
export async function readLocalDataOffset(
  handle: FileHandle,
  entry: CentralEntry,
  path: string,
): Promise<number> {
  const header = await readExactly(handle, entry.localHeaderOffset, LOCAL_HEADER_SIZE);
  if (header === null || header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) {
    throw new Pt2InvalidError(path, "no local file header where the central directory says", {
      entry: entry.name,
      expected: `a local header (PK\\3\\4) at byte ${entry.localHeaderOffset}`,
      received: header === null ? "the end of the file" : `0x${header.readUInt32LE(0).toString(16)}`,
    });
  }
  const method = header.readUInt16LE(8);
  const nameLength = header.readUInt16LE(26);
  const extraLength = header.readUInt16LE(28);
  const nameBytes = await readExactly(handle, entry.localHeaderOffset + LOCAL_HEADER_SIZE, nameLength);
  const expectedName = Buffer.from(entry.name, "utf8");
  if (nameBytes === null || !nameBytes.equals(expectedName)) {
    throw new Pt2InvalidError(path, "the local header names another file than the central directory", {
      entry: entry.name,
      expected: `local name "${entry.name}"`,
      received: nameBytes === null ? "the end of the file" : JSON.stringify(nameBytes.toString("latin1")),
    });
  }
  if (method !== entry.method) {
    throw new Pt2InvalidError(path, "the local header and the central directory disagree on compression", {
      entry: entry.name,
      expected: `method ${entry.method}`,
      received: `method ${method}`,
    });
  }
  return entry.localHeaderOffset + LOCAL_HEADER_SIZE + nameLength + extraLength;
}

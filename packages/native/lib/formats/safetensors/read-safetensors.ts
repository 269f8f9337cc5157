import { open } from "node:fs/promises";
import { readExactly } from "../read-exactly.js";
import { parseSafetensorsHeader } from "./parse-safetensors-header.js";
import { SafetensorsInvalidError } from "./safetensors-invalid-error.js";
import type { SafetensorsFile } from "./types.js";

/** The reference reader's limit (safetensors `MAX_HEADER_SIZE`): a larger header is refused unread. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/**
 * Reads a safetensors file's header (never its data) and returns every tensor's dtype, shape and
 * absolute byte range, checked against the file's size so the ranges can be mapped safely.
 */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const prefix = size >= 8 ? await readExactly(handle, 0, 8) : null;
    if (prefix === null) {
      throw new SafetensorsInvalidError(path, "too small to hold a header length", {
        expected: "at least 8 bytes",
        received: `${size} bytes`,
      });
    }
    const declared = prefix.readBigUInt64LE(0);
    if (declared > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
      throw new SafetensorsInvalidError(path, "the header length is too large", {
        expected: `a header of at most ${MAX_SAFETENSORS_HEADER_BYTES} bytes`,
        received: `${declared} bytes`,
      });
    }
    const headerLength = Number(declared);
    if (8 + headerLength > size) {
      throw new SafetensorsInvalidError(path, "the header length runs past the end of the file", {
        expected: `a header of at most ${size - 8} bytes`,
        received: `${headerLength} bytes`,
      });
    }
    const header = await readExactly(handle, 8, headerLength);
    if (header === null) {
      throw new SafetensorsInvalidError(path, "the file shrank while being read", {
        expected: `${size} bytes`,
        received: "fewer",
      });
    }
    return { path, size, ...parseSafetensorsHeader(header, size, path) };
  } finally {
    await handle.close();
  }
}

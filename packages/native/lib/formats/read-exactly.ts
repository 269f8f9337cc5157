import type { FileHandle } from "node:fs/promises";

/**
 * Reads exactly `length` bytes at `position`, looping over short reads. Returns null when the file
 * ends first, so each format can say in its own words which structure was cut off.
 */
export async function readExactly(
  handle: FileHandle,
  position: number,
  length: number,
): Promise<Buffer | null> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) return null;
    filled += bytesRead;
  }
  return buffer;
}

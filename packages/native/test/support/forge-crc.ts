import { crc32 } from "node:zlib";

// What an attacker does to get bytes of their choosing past a CRC-32 check: CRC-32 is linear, so
// four bytes anywhere can be solved for to give any checksum. A test needs it to show that a CRC
// is no integrity check, only the sha256 is.

const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const BY_TOP_BYTE = new Map(TABLE.map((t, i) => [t >>> 24, i]));

/** Rewrites `bytes[at..at+4)` so that crc32(bytes) becomes `target`. */
export function forceCrc32(bytes: Buffer, at: number, target: number): void {
  // the register after the prefix, going forwards
  const before = ~crc32(bytes.subarray(0, at)) >>> 0;
  // the register needed after the four bytes, going backwards from the end
  let after = ~target >>> 0;
  for (let k = bytes.length - 1; k >= at + 4; k--) after = unstep(after, bytes[k]!);
  // four steps backwards with unknown bytes: each step's low byte is (register ^ byte)
  let r = after;
  const xs: number[] = [];
  for (let k = 0; k < 4; k++) {
    const i = BY_TOP_BYTE.get(r >>> 24)!;
    xs.unshift(i);
    r = (((r ^ TABLE[i]!) << 8) | 0) >>> 0;
  }
  // forwards again to find the byte values: byte_k = low byte of register before step k ^ xs[k]
  let reg = before;
  for (let k = 0; k < 4; k++) {
    bytes[at + k] = (reg ^ xs[k]!) & 0xff;
    reg = ((reg >>> 8) ^ TABLE[xs[k]!]!) >>> 0;
  }
  if (crc32(bytes) !== target) throw new Error("internal: CRC forcing failed");
}

function unstep(next: number, byte: number): number {
  const i = BY_TOP_BYTE.get(next >>> 24)!;
  return ((((next ^ TABLE[i]!) << 8) >>> 0) | (i ^ byte)) >>> 0;
}

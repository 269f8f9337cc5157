/**
 * A little-endian u64 as a JS number, or null when it does not fit exactly (past 2^53 - 1): no real
 * file is that large, so such a value is a corrupt or hostile field, never a rounding question.
 */
export function readU64(buffer: Buffer, offset: number): number | null {
  const value = buffer.readBigUInt64LE(offset);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

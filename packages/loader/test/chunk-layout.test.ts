import { describe, expect, it } from "vitest";
import { isChunkLayout, taperedChunkEnds, uniformChunkEnds } from "../src/download/chunk-layout.js";

// The ranged GETs of one file: the default layout tapers (large chunks first, a wave of 8 MiB and
// one of 2 MiB last, one chunk per connection each) so the connections finish together and little
// is left to hash after the last byte; a caller's chunkSize still gets uniform chunks.

const MiB = 1 << 20;
const sizesOf = (ends: readonly number[]) => ends.map((end, i) => end - (i === 0 ? 0 : ends[i - 1]!));

describe("chunk layouts", () => {
  it("splits 256 MiB over 8 connections into waves of 22, 8 and 2 MiB: 3 GETs per connection", () => {
    const sizes = sizesOf(taperedChunkEnds(256 * MiB, 8));
    expect(sizes).toEqual([...Array(8).fill(22 * MiB), ...Array(8).fill(8 * MiB), ...Array(8).fill(2 * MiB)]);
  });

  it("keeps the body of a big file in chunks of at most 24 MiB, and the same two last waves", () => {
    const sizes = sizesOf(taperedChunkEnds(10 * 1024 * MiB + 12_345, 8));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(24 * MiB);
    expect(sizes.slice(-16)).toEqual([...Array(8).fill(8 * MiB), ...Array(8).fill(2 * MiB)]);
    expect(sizes.length % 8).toBe(0);
  });

  it("gives a file of less than 32 MiB per connection two waves, three quarters then a quarter", () => {
    const sizes = sizesOf(taperedChunkEnds(64 * MiB, 8));
    expect(sizes).toEqual([...Array(8).fill(6 * MiB), ...Array(8).fill(2 * MiB)]);
  });

  it("makes a valid layout for any size and connection count, tiny files included", () => {
    for (const size of [1, 100, 65_536, 65_537, 3 * MiB + 99, 33 * MiB, 256 * MiB - 1, 1024 * MiB + 7]) {
      for (const connections of [1, 2, 3, 8, 12, 16]) {
        const ends = taperedChunkEnds(size, connections);
        expect(isChunkLayout(ends, size), `${size} bytes, ${connections} connections`).toBe(true);
        expect(ends.length).toBeLessThanOrEqual(
          Math.max(2 * connections, 3 * connections + size / (24 * MiB)),
        );
      }
    }
  });

  it("keeps uniform chunks for a caller's chunkSize, the last one shorter", () => {
    expect(uniformChunkEnds(3 * MiB + 99, MiB)).toEqual([MiB, 2 * MiB, 3 * MiB, 3 * MiB + 99]);
    expect(uniformChunkEnds(0, MiB)).toEqual([]);
  });

  it("refuses a journal's layout that does not cover the file exactly", () => {
    expect(isChunkLayout([MiB, 3 * MiB], 3 * MiB)).toBe(true);
    expect(isChunkLayout([MiB, 2 * MiB], 3 * MiB)).toBe(false); // ends short
    expect(isChunkLayout([2 * MiB, MiB, 3 * MiB], 3 * MiB)).toBe(false); // not increasing
    expect(isChunkLayout([0, 3 * MiB], 3 * MiB)).toBe(false); // an empty chunk
    expect(isChunkLayout([1.5, 3 * MiB], 3 * MiB)).toBe(false);
    expect(isChunkLayout([], 3 * MiB)).toBe(false);
    expect(isChunkLayout("3145728", 3 * MiB)).toBe(false);
  });
});

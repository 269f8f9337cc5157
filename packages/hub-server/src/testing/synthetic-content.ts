import { Readable } from "node:stream";

/** File content described by a function, so a test can serve 1 GiB with no 1 GiB buffer or file. */
export interface SyntheticContent {
  size: number;
  /** Bytes `start..end`, inclusive. */
  read(start: number, end: number): Buffer;
}

const BLOCK_BYTES = 1 << 20;

/**
 * Deterministic pseudo-random bytes of any size: one xorshift 1 MiB block, each 1 MiB of the file
 * a copy rotated by a different amount, so no two MiB are equal (a misplaced chunk shows).
 */
export function syntheticContent(size: number, seed = 1): SyntheticContent {
  const block = Buffer.alloc(BLOCK_BYTES);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < block.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block[i] = x & 0xff;
  }
  return {
    size,
    read(start, end) {
      const out = Buffer.allocUnsafe(end - start + 1);
      for (let o = 0; o < out.length; ) {
        const pos = start + o;
        const shift = (Math.floor(pos / BLOCK_BYTES) * 7919) % BLOCK_BYTES;
        const from = ((pos % BLOCK_BYTES) + shift) % BLOCK_BYTES;
        const n = Math.min(out.length - o, BLOCK_BYTES - (pos % BLOCK_BYTES), BLOCK_BYTES - from);
        block.copy(out, o, from, from + n);
        o += n;
      }
      return out;
    },
  };
}

/** All of a synthetic file's bytes (for small ones a test also writes or compares). */
export function syntheticBytes(content: SyntheticContent): Buffer {
  return content.size === 0 ? Buffer.alloc(0) : content.read(0, content.size - 1);
}

/** Bytes `start..end` as a stream of pieces of at most 256 KiB, produced on demand. */
export function syntheticStream(content: SyntheticContent, start: number, end: number): Readable {
  const PIECE = 256 * 1024;
  let position = start;
  return new Readable({
    read() {
      if (position > end) {
        this.push(null);
        return;
      }
      const last = Math.min(end, position + PIECE - 1);
      const piece = content.read(position, last);
      position = last + 1;
      this.push(piece);
    },
  });
}

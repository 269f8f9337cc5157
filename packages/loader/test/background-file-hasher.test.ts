import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { taperedChunkEnds, uniformChunkEnds } from "../src/download/chunk-layout.js";
import { BackgroundFileHasher } from "../src/download/file-hasher.js";

// The hasher behind parallel ranged downloads: chunks land on disk in any order, the worker thread
// must hash the file in file order, only what is written, and say so when it cannot read it back.

const dir = mkdtempSync(join(tmpdir(), "aotihub-file-hasher-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHUNK = 1 << 20;
const SIZE = 5 * CHUNK + 12_345; // a short last chunk
const LAYOUT = uniformChunkEnds(SIZE, CHUNK);

function fileOf(bytes: Buffer): { path: string; fd: number } {
  const path = join(dir, `${randomBytes(4).toString("hex")}.bin`);
  writeFileSync(path, bytes);
  return { path, fd: openSync(path, "r") };
}

describe("BackgroundFileHasher", () => {
  it("hashes chunks completed out of order (some in pieces) as git's blob sha1 and the sha256", async () => {
    const bytes = randomBytes(SIZE);
    const { path, fd } = fileOf(bytes);
    let advances = 0;
    const hasher = new BackgroundFileHasher(fd, "git-sha1", SIZE, LAYOUT, () => advances++);
    try {
      for (const index of [3, 5, 1]) hasher.complete(index);
      expect(hasher.cursor).toBe(0);
      hasher.written(0, CHUNK / 2); // half of chunk 0: the cursor stays
      expect(hasher.cursor).toBe(0);
      hasher.written(0, CHUNK);
      expect(hasher.cursor).toBe(2); // chunk 1 was already whole
      hasher.complete(4);
      hasher.complete(2);
      expect(hasher.cursor).toBe(6);
      expect(advances).toBe(2); // 0 -> 2 and 2 -> 6: the scheduler is woken when the cursor moves
      const { sha256, digest } = await hasher.finish();
      expect(sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(digest).toBe(execFileSync("git", ["hash-object", path], { encoding: "utf8" }).trim());
    } finally {
      await hasher.close();
      closeSync(fd);
    }
  });

  it("refuses to finish before every byte is written, and reports a file it cannot read back", async () => {
    const bytes = randomBytes(SIZE);
    const { fd } = fileOf(bytes);
    const early = new BackgroundFileHasher(fd, "sha256", SIZE, LAYOUT);
    try {
      early.complete(0);
      await expect(early.finish()).rejects.toThrow(`with ${CHUNK} of ${SIZE} bytes written`);
    } finally {
      await early.close();
    }
    // the file holds fewer bytes than the download says it wrote
    const { fd: shortFd } = fileOf(bytes.subarray(0, 2 * CHUNK));
    const short = new BackgroundFileHasher(shortFd, "sha256", SIZE, LAYOUT);
    try {
      for (let i = 0; i < 6; i++) short.complete(i);
      await expect(short.finish()).rejects.toThrow(/the partial file ended at byte 2097152/);
    } finally {
      await short.close();
      closeSync(shortFd);
      closeSync(fd);
    }
  });

  it("hashes a tapered layout (chunks of unequal sizes) completed last to first", async () => {
    const bytes = randomBytes(SIZE);
    const { fd } = fileOf(bytes);
    const layout = taperedChunkEnds(SIZE, 2);
    expect(new Set(layout.map((end, i) => end - (i === 0 ? 0 : layout[i - 1]!))).size).toBeGreaterThan(1);
    const hasher = new BackgroundFileHasher(fd, "sha256", SIZE, layout);
    try {
      for (let i = layout.length - 1; i > 0; i--) hasher.complete(i);
      expect(hasher.cursor).toBe(0);
      hasher.complete(0);
      expect(hasher.cursor).toBe(layout.length);
      expect((await hasher.finish()).sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    } finally {
      await hasher.close();
      closeSync(fd);
    }
  });
});

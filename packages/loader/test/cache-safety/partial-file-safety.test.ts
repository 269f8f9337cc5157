import { chownSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { syntheticBytes, syntheticContent } from "@aotihub/hub-server/testing";
import { CacheLayout, parseRepoId, scanCache } from "@aotihub/loader";
import { describe, expect, it } from "vitest";
import { serveFile } from "../support/served-file.js";
import { REPO, sha256Of } from "../support/served-repo.js";

// A shared cache where another user can write into blobs/: a link or a file planted under the name
// of a partial download must never receive our writes, nor be adopted.
const repo = parseRepoId(REPO);
const SIZE = 3 * (1 << 20) + 99;
const tuning = { parallelThreshold: 1 << 20, chunkSize: 1 << 20, maxConcurrency: 2 };
const BYTES = syntheticBytes(syntheticContent(SIZE, 3));
const ETAG = sha256Of(BYTES);
const served = serveFile(BYTES, "aotihub-partial-");
const download = () => served.download(tuning);

/** A partial name with a journal that says "nothing written yet": exactly what a resume adopts. */
function plantPartial(make: (path: string) => void): string {
  const etag = ETAG;
  const blobs = new CacheLayout(served.cacheDir).blobsDir(repo);
  mkdirSync(blobs, { recursive: true });
  const partial = join(blobs, `${etag}.planted.aotihub.incomplete`);
  make(partial);
  writeFileSync(
    `${partial}.json`,
    JSON.stringify({ version: 1, etag, size: SIZE, chunkSize: 1 << 20, done: [] }),
  );
  return partial;
}

describe("partial downloads in a shared cache", () => {
  it("refuses a symlink planted under a partial's name, and writes nothing through it", async () => {
    const victim = join(served.cacheDir, "victim.txt");
    const original = Buffer.alloc(SIZE, 0x41); // the size the journal claims, so a resume would adopt it
    writeFileSync(victim, original);
    plantPartial((path) => symlinkSync(victim, path));
    await expect(download()).rejects.toMatchObject({
      code: "AOTIHUB_UNSAFE_PARTIAL_FILE",
      received: "a symlink",
    });
    expect(readFileSync(victim).equals(original)).toBe(true);
  });

  it("refuses a partial file owned by another user", async (context) => {
    if (process.getuid?.() !== 0) {
      console.warn("skipped: giving a file to another uid needs root (chown)");
      context.skip();
    }
    const partial = plantPartial((path) => {
      writeFileSync(path, Buffer.alloc(SIZE));
      chownSync(path, 54321, 54321);
    });
    await expect(download()).rejects.toMatchObject({
      code: "AOTIHUB_UNSAFE_PARTIAL_FILE",
      received: expect.stringContaining("uid 54321"),
    });
    expect(readFileSync(partial).every((b) => b === 0)).toBe(true);
  });

  it("treats a journal temp left by a killed process as litter: not a blob, removed by the next download", async () => {
    const partial = plantPartial((path) => writeFileSync(path, Buffer.alloc(SIZE)));
    const litter = `${partial}.json.0badc0de.tmp`; // what a kill between write and rename leaves
    writeFileSync(litter, "{");
    expect((await scanCache(served.cacheDir))[0]!.blobs).toEqual([]);
    await download();
    expect(existsSync(litter)).toBe(false);
    expect((await scanCache(served.cacheDir))[0]!.blobs).toEqual([ETAG]);
  });

  it("still resumes its own partial file", async () => {
    plantPartial((path) => writeFileSync(path, Buffer.alloc(SIZE)));
    const file = await download();
    expect(file.etag).toBe(ETAG);
  });
});

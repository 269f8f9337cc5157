import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { syntheticBytes, syntheticContent } from "@aotihub/hub-server/testing";
import { CacheLayout, parseRepoId } from "@aotihub/loader";
import { describe, expect, it } from "vitest";
import { serveFile } from "./support/served-file.js";
import { REPO, sha256Of } from "./support/served-repo.js";

// A partial download is continued in the chunk layout its journal records, whatever layout this
// call would pick: the default layout tapers now (it was 8 MiB chunks), and a caller may change
// chunkSize between two runs; neither may cost the chunks already on disk.

const repo = parseRepoId(REPO);
const MiB = 1 << 20;
const SIZE = 5 * MiB + 99;
const BYTES = syntheticBytes(syntheticContent(SIZE, 7));
const ETAG = sha256Of(BYTES);
const served = serveFile(BYTES, "aotihub-resume-layout-");
const download = (tuning: { chunkSize?: number }) =>
  served.download({ parallelThreshold: MiB, maxConcurrency: 2, ...tuning });

/** A partial file holding the right bytes of the chunks `done` (zeros elsewhere), and its journal. */
function plantPartial(journal: { chunkSize: number; ends?: number[]; done: number[] }): void {
  const blobs = new CacheLayout(served.cacheDir).blobsDir(repo);
  mkdirSync(blobs, { recursive: true });
  const ends = journal.ends ?? [];
  const data = Buffer.alloc(SIZE);
  for (const i of journal.done) {
    const start = journal.ends ? (i === 0 ? 0 : ends[i - 1]!) : i * journal.chunkSize;
    const end = journal.ends ? ends[i]! : Math.min(SIZE, (i + 1) * journal.chunkSize);
    BYTES.copy(data, start, start, end);
  }
  const partial = join(blobs, `${ETAG}.earlier.aotihub.incomplete`);
  writeFileSync(partial, data);
  writeFileSync(`${partial}.json`, JSON.stringify({ version: 1, etag: ETAG, size: SIZE, ...journal }));
}

describe("resuming a partial download", () => {
  it("continues in the uneven layout its journal records, fetching only the missing chunk", async () => {
    const ends = [MiB + 5, 3 * MiB, SIZE];
    plantPartial({ chunkSize: 0, ends, done: [0, 2] });
    const file = await download({});
    expect(file.etag).toBe(ETAG);
    expect(file.fetchedBytes).toBe(3 * MiB - (MiB + 5));
    expect(readdirSync(new CacheLayout(served.cacheDir).blobsDir(repo))).toEqual([ETAG]);
  });

  it("continues a journal of uniform chunks written before layouts could taper, at another chunk size", async () => {
    plantPartial({ chunkSize: MiB, done: [0, 1] });
    const file = await download({ chunkSize: 2 * MiB });
    expect(file.etag).toBe(ETAG);
    expect(file.fetchedBytes).toBe(SIZE - 2 * MiB);
  });

  it("starts afresh when the journal's layout does not cover the file", async () => {
    plantPartial({ chunkSize: 0, ends: [MiB, 2 * MiB], done: [0, 1] });
    const file = await download({});
    expect(file.etag).toBe(ETAG);
    expect(file.fetchedBytes).toBe(SIZE);
    expect(readdirSync(new CacheLayout(served.cacheDir).blobsDir(repo))).toEqual([ETAG]);
  });
});

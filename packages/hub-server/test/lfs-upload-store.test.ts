import { createHash } from "node:crypto";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LfsUploadStore } from "../src/publish/lfs-upload-store.js";

// An LFS upload is kept only whole and verified: a body that is not what the batch call announced
// (size, sha256) is refused with AOTIHUB_HUB_SERVER_REJECTED (the CDN origin answers 400 with its
// message) and leaves nothing behind, not even its temp file.

const repo = { type: "model", id: "acme/tiny" } as const;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

async function store(): Promise<LfsUploadStore> {
  return new LfsUploadStore(await mkdtemp(join(tmpdir(), "aotihub-lfs-store-")));
}

async function leftovers(s: LfsUploadStore): Promise<string[]> {
  return (await readdir(s.folder, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe("LFS uploads that do not match their announcement", () => {
  const body = Buffer.from("the bytes a client announced");

  it("keeps a body whose size and sha256 match", async () => {
    const s = await store();
    await s.receive(repo, sha256(body), body.length, Readable.from([body]));
    expect(await s.has(repo, sha256(body), body.length)).toBe(true);
  });

  it("refuses a body with another sha256", async () => {
    const s = await store();
    const other = Buffer.from("the bytes a client announcet");
    await expect(s.receive(repo, sha256(body), other.length, Readable.from([other]))).rejects.toMatchObject({
      code: "AOTIHUB_HUB_SERVER_REJECTED",
      message: expect.stringContaining(`body has sha256 ${sha256(other)}, announced ${sha256(body)}`),
    });
    expect(await s.has(repo, sha256(body))).toBe(false);
    expect(await leftovers(s)).toEqual([]);
  });

  it("refuses a body shorter or longer than announced", async () => {
    const s = await store();
    await expect(s.receive(repo, sha256(body), body.length + 1, Readable.from([body]))).rejects.toMatchObject(
      {
        code: "AOTIHUB_HUB_SERVER_REJECTED",
        message: expect.stringContaining(`received ${body.length} bytes, announced ${body.length + 1}`),
      },
    );
    await expect(s.receive(repo, sha256(body), body.length - 1, Readable.from([body]))).rejects.toMatchObject(
      {
        code: "AOTIHUB_HUB_SERVER_REJECTED",
        message: expect.stringContaining(`larger than the announced ${body.length - 1} bytes`),
      },
    );
    expect(await leftovers(s)).toEqual([]);
  });
});

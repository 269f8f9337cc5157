import { mkdtempSync, readFileSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sha256OfFile } from "@aotihub/native";
import { describe, expect, it } from "vitest";
import { assertTrusted } from "../../src/trust/assert-trusted.js";
import { openVerifiedFile, verifyFileSha256 } from "../../src/trust/verify-file-sha256.js";

describe("assertTrusted", () => {
  it("accepts a pinned repo, a listed repo or glob, and an explicit opt-in, in that order", () => {
    expect(assertTrusted("a/b", { pinnedByLockfile: true, trustedRepos: [] })).toBe("lockfile");
    expect(assertTrusted("acme/x", { pinnedByLockfile: false, trustedRepos: ["acme/*"] })).toBe("config");
    expect(assertTrusted("a/b", { pinnedByLockfile: false, trustedRepos: ["a/b"] })).toBe("config");
    expect(assertTrusted("a/b", { pinnedByLockfile: false, trustedRepos: [], trustRemoteCode: true })).toBe(
      "trustRemoteCode",
    );
  });

  it("refuses anything else and says the three ways to vouch for it", () => {
    expect(() =>
      assertTrusted("evil/model", { pinnedByLockfile: false, trustedRepos: ["acme/*"] }),
    ).toThrowError(
      expect.objectContaining({
        code: "AOTIHUB_UNTRUSTED_REPO",
        message: expect.stringMatching(/aotihub lock evil\/model[\s\S]*trustedRepos[\s\S]*trustRemoteCode/),
      }),
    );
  });
});

describe("verifyFileSha256", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aotihub-verify-"));
  const file = path.join(dir, "model.pt2");
  const stampDir = path.join(dir, "stamps");

  it("accepts the pinned content, remembers it, and re-hashes a file changed in place", async () => {
    writeFileSync(file, "compiled code");
    const good = await sha256OfFile(file);
    await verifyFileSha256(file, good, { stampDir });
    await verifyFileSha256(file, good, { stampDir });

    // Same size, old mtime restored: only the ctime betrays the change, and it is enough.
    const before = new Date("2020-01-01");
    writeFileSync(file, "evil_ code xx");
    utimesSync(file, before, before);
    await expect(verifyFileSha256(file, good, { stampDir })).rejects.toMatchObject({
      code: "AOTIHUB_SHA256_MISMATCH",
    });
  });

  it("hands out the verified inode: a file swapped in after the check is never what is read", async () => {
    const weights = path.join(dir, "model.safetensors");
    writeFileSync(weights, "genuine weights");
    const good = await sha256OfFile(weights);
    const pinned = await openVerifiedFile(weights, good, { stampDir });
    try {
      const evil = path.join(dir, "evil.safetensors");
      writeFileSync(evil, "swapped weights");
      renameSync(evil, weights); // the cache path now names other bytes
      expect(readFileSync(pinned.path, "utf8")).toBe("genuine weights");
      expect(readFileSync(weights, "utf8")).toBe("swapped weights");
    } finally {
      await pinned.close();
    }
    await expect(openVerifiedFile(weights, good, { stampDir })).rejects.toMatchObject({
      code: "AOTIHUB_SHA256_MISMATCH",
    });
  });
});

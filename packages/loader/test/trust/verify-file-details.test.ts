import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertTrusted } from "../../src/trust/assert-trusted.js";
import { openVerifiedFile, verifyFileSha256 } from "../../src/trust/verify-file-sha256.js";

// What mutation testing (docs/testing.md) found unpinned in the trust module: the exact words of
// SHA256_MISMATCH and UNTRUSTED_REPO, files larger than the 1 MiB read buffer, the stamp (what it
// holds, that it is trusted, that a stale one is not), and the handle of an unchecked open.
// The sha256 here is node:crypto's, an outside judge of the module's own hashing.

const dir = mkdtempSync(path.join(tmpdir(), "aotihub-verify-details-"));
const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");
const identity = (file: string) => {
  const s = statSync(file, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
};

describe("verifyFileSha256", () => {
  it("hashes a file of several read buffers (2.5 MiB) whole", async () => {
    const file = path.join(dir, "big.bin");
    const bytes = Buffer.alloc(5 << 19);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
    writeFileSync(file, bytes);
    await verifyFileSha256(file, sha256(bytes));
    const last = Buffer.from(bytes);
    last.writeUInt8(last.readUInt8(last.length - 1) ^ 1, last.length - 1);
    await expect(verifyFileSha256(file, sha256(last))).rejects.toMatchObject({
      code: "AOTIHUB_SHA256_MISMATCH",
    });
  });

  it("says which file, what was pinned and what it holds", async () => {
    const file = path.join(dir, "tampered.pt2");
    writeFileSync(file, "tampered");
    const pinned = sha256("genuine");
    await expect(verifyFileSha256(file, pinned)).rejects.toThrow(
      `${file} does not have the content that was pinned for it.\n` +
        `  expected: sha256 ${pinned} (from the manifest or the lockfile)\n` +
        `  received: sha256 ${sha256("tampered")}\n` +
        "  what to do: the file was changed after download; run `aotihub cache verify` and download it again, and check who can write to the cache folder",
    );
  });

  it("stamps a verified file by its identity, trusts that stamp, and re-hashes when it is stale", async () => {
    const file = path.join(dir, "stamped.pt2");
    const stampDir = path.join(dir, "stamps");
    writeFileSync(file, "compiled code");
    const good = sha256("compiled code");
    await verifyFileSha256(file, good, { stampDir });
    const stamp = path.join(stampDir, good);
    expect(readFileSync(stamp, "utf8")).toBe(identity(file));

    // a stamp for this very identity stands for the hash: the bytes are not read again
    const other = path.join(dir, "other.pt2");
    writeFileSync(other, "other bytes");
    writeFileSync(stamp, identity(other));
    await verifyFileSha256(other, good, { stampDir });
    // a stale stamp (another identity) is not trusted: the bytes are hashed and refused
    writeFileSync(stamp, "0:0:0:0:0");
    await expect(verifyFileSha256(other, good, { stampDir })).rejects.toMatchObject({
      code: "AOTIHUB_SHA256_MISMATCH",
    });
    // without a stamp folder, nothing is written
    const plain = path.join(dir, "plain.pt2");
    writeFileSync(plain, "compiled code");
    await verifyFileSha256(plain, good);
    expect(readFileSync(stamp, "utf8")).toBe("0:0:0:0:0");
  });
});

describe("openVerifiedFile", () => {
  it("with no pin opens without hashing; close() releases the descriptor", async () => {
    const file = path.join(dir, "unpinned.safetensors");
    writeFileSync(file, "any bytes");
    const opened = await openVerifiedFile(file, undefined, { stampDir: path.join(dir, "unused") });
    expect(opened.file).toBe(file);
    expect(opened.path).toMatch(/^\/proc\/self\/fd\/\d+$/);
    expect(readFileSync(opened.path, "utf8")).toBe("any bytes");
    expect(existsSync(path.join(dir, "unused"))).toBe(false);
    await opened.close();
    // the descriptor is gone (or, if the process reused its number since, names another file)
    let after: string | undefined;
    try {
      after = readFileSync(opened.path, "utf8");
    } catch {
      after = undefined;
    }
    expect(after).not.toBe("any bytes");
  });
});

describe("assertTrusted", () => {
  it("UNTRUSTED_REPO: every word", () => {
    expect(() => assertTrusted("evil/model", { pinnedByLockfile: false, trustedRepos: [] })).toThrow(
      "Refusing to load compiled code from evil/model: loading a model runs its native code, and nothing vouches for this repo.\n" +
        "  expected: a repo pinned in aotihub.lock, listed in aotihub.config.json trustedRepos, or trustRemoteCode: true\n" +
        "  received: evil/model\n" +
        '  what to do: review the repo, then run `aotihub lock evil/model`, or add "evil/model" to "trustedRepos" in aotihub.config.json, or pass { trustRemoteCode: true }',
    );
  });
});

import { createHash } from "node:crypto";
import { HashMismatchError, UnsafePartialFileError } from "@aotihub/loader";
import { describe, expect, it } from "vitest";
import { BlobVerifier, digestKindForEtag } from "../src/download/blob-verifier.js";

// Download details mutation testing (docs/testing.md) found unpinned: which etags name which hash,
// the git blob id computed while streaming (judged by node:crypto), and the words of two errors
// that only hostile servers or planted files produce.

const sha256 = "a".repeat(64);
const sha1 = "b".repeat(40);

describe("digestKindForEtag", () => {
  it.each([
    [sha256, "sha256"],
    [sha1, "git-sha1"],
    [`x${sha256}`, undefined],
    [`${sha256}0`, undefined],
    [`${sha1}0`, undefined],
    [`0${sha1}`, undefined],
    [sha256.toUpperCase(), undefined],
    ["", undefined],
  ])("%j -> %s", (etag, kind) => expect(digestKindForEtag(etag)).toBe(kind));
});

describe("BlobVerifier", () => {
  const bytes = Buffer.from("hello, world\n");
  const hex = (algorithm: string, ...parts: (string | Buffer)[]) => {
    const hash = createHash(algorithm);
    for (const p of parts) hash.update(p);
    return hash.digest("hex");
  };

  it("a git blob id over streamed pieces, and the sha256 beside it", () => {
    const verifier = new BlobVerifier("git-sha1", bytes.length);
    verifier.update(bytes.subarray(0, 5));
    verifier.update(bytes.subarray(5));
    expect(verifier.finish()).toEqual({
      sha256: hex("sha256", bytes),
      digest: hex("sha1", `blob ${bytes.length}\0`, bytes),
    });
  });

  it("for an LFS etag the digest is the sha256", () => {
    const verifier = new BlobVerifier("sha256", bytes.length);
    verifier.update(bytes);
    expect(verifier.finish()).toEqual({ sha256: hex("sha256", bytes), digest: hex("sha256", bytes) });
  });
});

describe("errors only hostile servers or planted files produce", () => {
  it("HASH_MISMATCH: one download, or several from fresh URLs", () => {
    const once = new HashMismatchError("org/m/w.bin", "sha256", "aa", "bb");
    expect(once.code).toBe("AOTIHUB_HASH_MISMATCH");
    expect(once.message).toBe(
      "downloaded bytes of org/m/w.bin do not match their sha256; nothing was cached\n" +
        "  expected: sha256 aa\n" +
        "  received: sha256 bb\n" +
        "  what to do: the server or a proxy is altering the file: retry later from another network, or report it with the URL",
    );
    const thrice = new HashMismatchError("org/m/w.bin", "git-sha1", "aa", "cc", 3);
    expect(thrice.message.split("\n").slice(0, 3)).toEqual([
      "downloaded bytes of org/m/w.bin do not match their git-sha1 in 3 downloads from fresh URLs; nothing was cached",
      "  expected: git-sha1 aa",
      "  received: git-sha1 cc (last attempt)",
    ]);
  });

  it("UNSAFE_PARTIAL_FILE: says what was found and what to check", () => {
    const cause = new Error("ELOOP");
    const error = new UnsafePartialFileError("/c/blobs/x.incomplete", "a symbolic link", cause);
    expect(error.code).toBe("AOTIHUB_UNSAFE_PARTIAL_FILE");
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      "refusing to write the partial download /c/blobs/x.incomplete\n" +
        "  expected: a regular file created and owned by this user\n" +
        "  received: a symbolic link\n" +
        "  what to do: someone may have planted it in a shared cache: inspect it, remove it, and check who can write to HF_HUB_CACHE",
    );
  });
});

import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CacheLayout } from "../../src/cache/cache-layout.js";
import { checkedCommit, checkedEtag, checkedRepoPath } from "../../src/hub/hub-values.js";

const repo = { type: "model", name: "acme/tiny" } as const;
const commit = "a".repeat(40);

describe("values from the Hub that become cache paths", () => {
  it("accepts only a 40-digit commit, a sha1/sha256 etag and a plain relative repo path", () => {
    expect(checkedCommit(commit, "x")).toBe(commit);
    expect(checkedEtag("b".repeat(64), "x")).toBe("b".repeat(64));
    expect(checkedEtag("c".repeat(40), "x")).toBe("c".repeat(40));
    expect(checkedRepoPath("build/torch-cpu/x.so", "x")).toBe("build/torch-cpu/x.so");
    const refused = [
      () => checkedCommit("../../../../tmp/canary/c", "x"),
      () => checkedCommit("A".repeat(40), "x"),
      () => checkedCommit(undefined, "x"),
      () => checkedEtag("../../secret", "x"),
      () => checkedEtag("b".repeat(63), "x"),
      () => checkedRepoPath("/etc/passwd", "x"),
      () => checkedRepoPath("build/../../x", "x"),
      () => checkedRepoPath("a//b", "x"),
      () => checkedRepoPath("C:/x", "x"),
    ];
    for (const attempt of refused)
      expect(attempt).toThrowError(expect.objectContaining({ code: "AOTIHUB_HUB_UNSAFE_VALUE" }));
    expect(() => checkedEtag("../../secret", "acme/tiny@main/config.json")).toThrowError(
      /sha256[\s\S]*"\.\.\/\.\.\/secret"/,
    );
  });

  it("never computes a cache path outside the folder it belongs to", () => {
    const layout = new CacheLayout(path.join(tmpdir(), "aotihub-layout"));
    const escapes = [
      () => layout.blobPath(repo, "../../secret"),
      () => layout.blobPath(repo, "x/y"),
      () => layout.snapshotDir(repo, "../../../../canary/c"),
      () => layout.snapshotPath(repo, commit, "build/../../x"),
      () => layout.snapshotPath(repo, commit, "../../../blobs/x"),
      () => layout.refPath(repo, "../../../x"),
      () => layout.noExistPath(repo, "../x", "a"),
      () => layout.lockPath(repo, "../../../x"),
    ];
    for (const attempt of escapes)
      expect(attempt).toThrowError(expect.objectContaining({ code: "AOTIHUB_UNSAFE_CACHE_PATH" }));
    expect(layout.snapshotPath(repo, commit, "build/a/b.so")).toBe(
      path.join(layout.root, "models--acme--tiny", "snapshots", commit, "build", "a", "b.so"),
    );
    expect(layout.refPath(repo, "refs/pr/1")).toBe(
      path.join(layout.root, "models--acme--tiny", "refs", "refs", "pr", "1"),
    );
  });
});

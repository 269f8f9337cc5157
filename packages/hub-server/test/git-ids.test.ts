import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHubServer } from "@aotihub/hub-server";
import { describe, expect, it } from "vitest";

/** A fixed author and date, so git's ids are the same on every machine and run. */
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "aotihub",
  GIT_AUTHOR_EMAIL: "aotihub@localhost",
  GIT_AUTHOR_DATE: "@0 +0000",
  GIT_COMMITTER_NAME: "aotihub",
  GIT_COMMITTER_EMAIL: "aotihub@localhost",
  GIT_COMMITTER_DATE: "@0 +0000",
};

import { readJson } from "./support/read-json.js";

// The commit and blob ids the server reports must be the ones git computes for the same files:
// clients cache small files under the blob sha1, and a tree id is only reproducible if it is git's.
describe("local Hub ids are git's ids", () => {
  it("blob, tree and commit ids equal what git computes for the folder", async () => {
    const root = await mkdtemp(join(tmpdir(), "aotihub-git-"));
    const repo = join(root, "models", "acme", "ids");
    await mkdir(join(repo, "b", "c"), { recursive: true });
    await writeFile(join(repo, "a.txt"), "hello\n");
    await writeFile(join(repo, "b", "x.json"), "{}\n");
    await writeFile(join(repo, "b", "c", "deep.txt"), "deep\n");
    await writeFile(join(repo, "b-c.txt"), "sorts between b and b/ in git order\n");
    await mkdir(join(repo, "empty")); // git has no empty folders: not in the tree

    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: repo,
        encoding: "utf8",
        env: GIT_ENV,
      }).trim();
    git("init", "-q");
    git("add", "-A");
    const tree = git("write-tree");
    const commit = execFileSync("git", ["commit-tree", tree], {
      cwd: repo,
      input: "aotihub local tree\n",
      encoding: "utf8",
      env: GIT_ENV,
    }).trim();

    const server = await startHubServer({ root });
    try {
      const info = await readJson(await fetch(`${server.url}/api/models/acme/ids?blobs=true`));
      expect(info.sha).toBe(commit);
      const tree = await readJson(await fetch(`${server.url}/api/models/acme/ids/tree/main?recursive=true`));
      for (const entry of tree as { type: string; path: string; oid: string }[]) {
        const expected = git("rev-parse", `HEAD:${entry.path}`.replace("HEAD", commit));
        expect(entry.oid, entry.path).toBe(expected);
      }
      expect((tree as { path: string }[]).map((e) => e.path)).not.toContain("empty");
    } finally {
      await server.close();
    }
  });
});

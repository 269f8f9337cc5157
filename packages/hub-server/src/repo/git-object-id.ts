import { createHash } from "node:crypto";

/** The empty git tree: the tree of a repo with no files. */
export const EMPTY_TREE_OID = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** One entry of a git tree object. */
export interface GitTreeEntry {
  name: string;
  kind: "file" | "folder";
  /** 40-hex id of the blob (file) or the tree (folder). */
  oid: string;
}

/** The header git hashes before a blob's bytes; hashing it then the content gives the blob id. */
export function gitBlobHeader(size: number): Buffer {
  return Buffer.from(`blob ${size}\0`, "utf8");
}

/** The git blob id of bytes held in memory (LFS pointers, committed small files). */
export function gitBlobOid(content: Uint8Array): string {
  return createHash("sha1").update(gitBlobHeader(content.byteLength)).update(content).digest("hex");
}

/**
 * The id git gives a tree with these entries. Git sorts entries by name bytes, comparing a folder
 * as if its name ended in "/"; getting this order right is what makes our ids equal to git's.
 */
export function gitTreeOid(entries: readonly GitTreeEntry[]): string {
  const sorted = [...entries].sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
  const body = Buffer.concat(
    sorted.map((entry) =>
      Buffer.concat([
        Buffer.from(`${entry.kind === "folder" ? "40000" : "100644"} ${entry.name}\0`, "utf8"),
        Buffer.from(entry.oid, "hex"),
      ]),
    ),
  );
  return createHash("sha1").update(`tree ${body.byteLength}\0`).update(body).digest("hex");
}

function sortKey(entry: GitTreeEntry): Buffer {
  return Buffer.from(entry.kind === "folder" ? `${entry.name}/` : entry.name, "utf8");
}

/**
 * A commit id that depends on the tree alone (fixed author, date and message, no parent), so the
 * same files always give the same commit: a revision is reproducible across server restarts.
 */
export function gitCommitOid(treeOid: string): string {
  const identity = "aotihub <aotihub@localhost> 0 +0000";
  const body = `tree ${treeOid}\nauthor ${identity}\ncommitter ${identity}\n\naotihub local tree\n`;
  return createHash("sha1")
    .update(`commit ${Buffer.byteLength(body)}\0`)
    .update(body)
    .digest("hex");
}

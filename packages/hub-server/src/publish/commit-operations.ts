import { z } from "zod";
import { isSafeRepoPath } from "./repo-path.js";

const repoPath = z
  .string()
  .refine(isSafeRepoPath, "a relative path without '..', empty parts, .git or .aotihub-*");

const lineSchema = z.discriminatedUnion("key", [
  z.object({
    key: z.literal("header"),
    value: z.object({
      summary: z.string().optional(),
      description: z.string().optional(),
      parentCommit: z.string().optional(),
    }),
  }),
  z.object({
    key: z.literal("file"),
    value: z.object({
      path: repoPath,
      content: z.string(),
      encoding: z.enum(["base64", "utf-8"]).optional(),
      oldPath: z.undefined().optional(),
    }),
  }),
  z.object({
    key: z.literal("lfsFile"),
    value: z.object({
      path: repoPath,
      algo: z.literal("sha256").optional(),
      oid: z.string().regex(/^[0-9a-f]{64}$/),
      size: z.number().int().nonnegative().optional(),
      oldPath: z.undefined().optional(),
    }),
  }),
  z.object({ key: z.literal("deletedFile"), value: z.object({ path: repoPath }) }),
  z.object({ key: z.literal("deletedFolder"), value: z.object({ path: repoPath }) }),
]);

/** One change a commit makes to a branch's folder. */
export type CommitOperation =
  | { kind: "write"; path: string; content: Buffer }
  | { kind: "lfs"; path: string; sha256: string; size: number | undefined }
  | { kind: "delete-file"; path: string }
  | { kind: "delete-folder"; path: string };

export interface ParsedCommit {
  summary: string;
  parentCommit: string | undefined;
  operations: CommitOperation[];
}

/**
 * Reads the NDJSON body of `POST /api/{type}s/{repo}/commit/{branch}` as both clients write it
 * (a `header` line, then `file`, `lfsFile`, `deletedFile`, `deletedFolder` lines). Returns the
 * problems instead when any line is not understood: nothing is applied from a half-valid commit.
 */
export function parseCommitBody(text: string): ParsedCommit | { problems: string[] } {
  const problems: string[] = [];
  const commit: ParsedCommit = { summary: "", parentCommit: undefined, operations: [] };
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  lines.forEach((line, index) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      problems.push(`line ${index + 1}: not JSON`);
      return;
    }
    const parsed = lineSchema.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
        .join("; ");
      problems.push(`line ${index + 1}: ${detail}`);
      return;
    }
    const { data } = parsed;
    if (data.key === "header") {
      commit.summary = data.value.summary ?? "";
      commit.parentCommit = data.value.parentCommit;
    } else if (data.key === "file") {
      const encoding = data.value.encoding === "base64" ? "base64" : "utf8";
      commit.operations.push({
        kind: "write",
        path: data.value.path,
        content: Buffer.from(data.value.content, encoding),
      });
    } else if (data.key === "lfsFile") {
      commit.operations.push({
        kind: "lfs",
        path: data.value.path,
        sha256: data.value.oid,
        size: data.value.size,
      });
    } else if (data.key === "deletedFile") {
      commit.operations.push({ kind: "delete-file", path: data.value.path });
    } else {
      commit.operations.push({ kind: "delete-folder", path: data.value.path });
    }
  });
  if (lines.length === 0) problems.push("empty body: expected NDJSON lines, the first being the header");
  return problems.length > 0 ? { problems } : commit;
}

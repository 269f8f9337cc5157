import { readFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { z } from "zod";
import { HubServerError } from "../hub-server-error.js";

/** The file in a repo folder that names its branches and tags. */
export const REFS_FILE_NAME = ".aotihub-refs.json";

const refName = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9._\-/]+$/, "letters, digits, '.', '_', '-' or '/'")
  .refine(
    (name) => !name.includes("..") && !name.startsWith("/") && !name.endsWith("/"),
    "no '..' or edge '/'",
  );

const refsFileSchema = z
  .object({
    /** Branch name -> folder (relative to the repo folder) holding that branch's tree. */
    branches: z.record(refName, z.string()).optional(),
    /** Tag name -> folder, like branches. */
    tags: z.record(refName, z.string()).optional(),
  })
  .strict();

/** Each ref of a repo with the absolute folder holding its tree. */
export interface RepoRefFolders {
  branches: ReadonlyMap<string, string>;
  tags: ReadonlyMap<string, string>;
}

/**
 * Reads a repo's refs. Without the file, or without a `main` entry, `main` is the repo folder
 * itself: a plain folder of files is a one-branch repo. A ref folder may sit inside another's
 * (kernel repos keep `v1/`, `v2/` beside their main files); the scan leaves it out of the outer tree.
 */
export async function readRepoRefs(repoFolder: string): Promise<RepoRefFolders> {
  const path = join(repoFolder, REFS_FILE_NAME);
  let text: string | null = null;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const parsed = text === null ? {} : parseRefs(path, text);
  const root = resolve(repoFolder);
  const toFolder = (name: string, folder: string): string => {
    const absolute = resolve(root, folder);
    const inside = relative(root, absolute);
    if (inside.startsWith("..") || inside.split(sep).includes("..")) {
      throw new HubServerError(
        "AOTIHUB_HUB_SERVER_CONFIG",
        `Ref ${name} in ${path} points outside the repo`,
        {
          expected: 'a folder inside the repo folder, e.g. "." or "branches/v1"',
          received: folder,
          hint: "Move the tree inside the repo folder and give its relative path.",
        },
      );
    }
    return absolute;
  };
  const branches = new Map(Object.entries(parsed.branches ?? {}).map(([n, f]) => [n, toFolder(n, f)]));
  if (!branches.has("main")) branches.set("main", root);
  const tags = new Map(Object.entries(parsed.tags ?? {}).map(([n, f]) => [n, toFolder(n, f)]));
  return { branches, tags };
}

function parseRefs(path: string, text: string): z.infer<typeof refsFileSchema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HubServerError("AOTIHUB_HUB_SERVER_CONFIG", `${path} is not valid JSON`, {
      expected: 'JSON like { "branches": { "main": ".", "v1": "v1" }, "tags": { "v1.0": "v1" } }',
      received: text.slice(0, 200),
      hint: "Fix the JSON syntax.",
      cause: error,
    });
  }
  const result = refsFileSchema.safeParse(json);
  if (!result.success) {
    throw new HubServerError("AOTIHUB_HUB_SERVER_CONFIG", `${path} does not describe refs`, {
      expected: 'JSON like { "branches": { "main": ".", "v1": "v1" }, "tags": { "v1.0": "v1" } }',
      received: result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "),
      hint: "Map each branch or tag name to a folder relative to the repo folder.",
    });
  }
  return result.data;
}

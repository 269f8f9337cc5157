import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { HubServerError } from "../hub-server-error.js";

/** The file at the served root that holds tokens and private/gated repos. */
export const ACCESS_FILE_NAME = ".aotihub-server.json";

const accessConfigSchema = z
  .object({
    /** Token (as sent in `Authorization: Bearer <token>`) -> who it is and whether it may write. */
    tokens: z
      .record(
        z.string().min(8),
        z.object({ user: z.string().min(1), write: z.boolean().optional() }).strict(),
      )
      .optional(),
    /**
     * Organisation -> its members. Writing (creating a repo, committing, uploading LFS objects)
     * needs a write token whose user owns the namespace: the user's own name, or an organisation
     * listed here with the user among its members.
     */
    orgs: z.record(z.string().min(1), z.object({ members: z.array(z.string().min(1)) }).strict()).optional(),
    /** `models/org/name` (or `org/name` for a model) -> who may see it. */
    repos: z
      .record(
        z.string().min(3),
        z
          .object({
            private: z.boolean().optional(),
            /** Gated repos list their files to anyone, but serve content only to readers. */
            gated: z.union([z.literal(false), z.literal("auto"), z.literal("manual")]).optional(),
            /** Users granted access; the repo's org as a user always is. */
            readers: z.array(z.string()).optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export type AccessConfig = z.infer<typeof accessConfigSchema>;

/** Checks an access config given in code; throws a typed error naming every problem. */
export function parseAccessConfig(json: unknown, source: string): AccessConfig {
  const result = accessConfigSchema.safeParse(json);
  if (!result.success) {
    throw new HubServerError("AOTIHUB_HUB_SERVER_CONFIG", `${source} is not a valid access config`, {
      expected:
        '{ "tokens": { "hf_...": { "user": "alice", "write": true } }, "orgs": { "org": { "members": ["alice"] } }, "repos": { "models/org/name": { "private": true, "readers": ["alice"] } } }',
      received: result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "),
      hint: "Fix the listed fields.",
    });
  }
  return result.data;
}

/** Reads `<root>/.aotihub-server.json`; no file means a public Hub with no tokens (read-only). */
export async function readAccessConfig(root: string): Promise<AccessConfig> {
  const path = join(root, ACCESS_FILE_NAME);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HubServerError("AOTIHUB_HUB_SERVER_CONFIG", `${path} is not valid JSON`, {
      expected: "a JSON object with `tokens`, `orgs` and `repos`",
      received: text.slice(0, 200),
      hint: "Fix the JSON syntax.",
      cause: error,
    });
  }
  return parseAccessConfig(json, path);
}

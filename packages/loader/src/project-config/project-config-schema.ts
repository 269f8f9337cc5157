import { isRepoName } from "@aotihub/registry";
import { z } from "zod";

const aliasTarget = z
  .object({
    repo: z.string().refine(isRepoName, "a repo id org/name (as on the Hub)"),
    profile: z.union([z.string(), z.array(z.string()).nonempty()]).optional(),
    revision: z.string().optional(),
  })
  .strict();

/**
 * `aotihub.config.json`: what a project says about the models it loads. Every field is optional;
 * the file is found by walking up from the working directory (or named by AOTIHUB_CONFIG).
 */
export const projectConfigSchema = z
  .object({
    /** Short names for repos: `{ "tiny-dit": { "repo": "org/tiny-dit", "profile": "fp32" } }`. */
    aliases: z.record(z.string(), aliasTarget).default({}),
    /** Repos whose compiled code may be loaded without a lockfile: exact ids or `org/*`. */
    trustedRepos: z.array(z.string()).default([]),
    /** The alias index repo consulted after `aliases`; `null` turns the index off. */
    index: z
      .object({
        repo: z.string(),
        path: z.string().default("aotihub-index.json"),
        revision: z.string().default("main"),
      })
      .strict()
      .nullable()
      .optional(),
    /** The lockfile path, relative to this config file. */
    lockfile: z.string().default("aotihub.lock"),
    defaults: z
      .object({
        device: z.string().optional(),
        profile: z.union([z.string(), z.array(z.string()).nonempty()]).optional(),
        /** "auto" (default), "libtorch" or "standalone": see loadCompiled's `runtime` option. */
        runtime: z.enum(["auto", "libtorch", "standalone"]).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ProjectConfig = z.infer<typeof projectConfigSchema>;
export type AliasTarget = z.infer<typeof aliasTarget>;

/** Where the alias index lives unless a project says otherwise. */
export const DEFAULT_INDEX = { repo: "aotihub/index", path: "aotihub-index.json", revision: "main" } as const;

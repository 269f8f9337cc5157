import { z } from "zod";

/** The alias index format this version of aotihub reads. */
export const INDEX_FORMAT = "aotihub-index/1";

export const aliasSchema = z.object({
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected a model repo id "org/name"' }),
  profile: z.string().min(1).optional(),
  revision: z.string().min(1).optional(),
});

export const aliasIndexSchema = z.object({
  format: z.literal(INDEX_FORMAT, {
    error: (issue) =>
      `unknown index format ${JSON.stringify(issue.input)}; this aotihub reads "${INDEX_FORMAT}" (a newer format needs a newer aotihub)`,
  }),
  aliases: z.record(
    z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, {
      error: 'expected an alias of lowercase letters, digits, ".", "_" or "-"',
    }),
    aliasSchema,
  ),
});

export type AliasIndex = z.infer<typeof aliasIndexSchema>;
export type Alias = z.infer<typeof aliasSchema>;

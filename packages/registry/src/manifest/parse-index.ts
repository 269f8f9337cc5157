import { type AliasIndex, aliasIndexSchema } from "./index-schema.js";
import { ManifestError } from "./manifest-error.js";
import { zodProblems } from "./zod-problems.js";

/** Validates an alias index (`aotihub-index/1`); throws `ManifestError` listing every problem. */
export function parseIndex(json: unknown, source?: string): AliasIndex {
  const result = aliasIndexSchema.safeParse(json);
  if (!result.success) throw new ManifestError("index", zodProblems(result.error), source);
  return result.data;
}

import { checkManifestReferences } from "./check-manifest-references.js";
import { ManifestError } from "./manifest-error.js";
import { type Manifest, manifestSchema } from "./manifest-schema.js";
import { zodProblems } from "./zod-problems.js";

/**
 * Validates an `aotihub.json` document (already parsed from JSON) and returns it typed. Throws
 * `ManifestError` listing every problem with its JSON path. `source` (a file name or URL) only
 * makes the message easier to place.
 */
export function parseManifest(json: unknown, source?: string): Manifest {
  const result = manifestSchema.safeParse(json);
  const problems = [...(result.success ? [] : zodProblems(result.error)), ...checkManifestReferences(json)];
  if (problems.length > 0 || !result.success) throw new ManifestError("manifest", problems, source);
  return result.data;
}

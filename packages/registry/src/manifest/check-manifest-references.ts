import type { ManifestProblem } from "./manifest-error.js";

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The checks that span fields (names that must exist elsewhere, paths that must be unique, buckets
 * that must agree). They read the raw document defensively, so they report alongside the shape
 * problems zod finds instead of waiting for the shape to be right.
 */
export function checkManifestReferences(manifest: unknown): ManifestProblem[] {
  if (!isObject(manifest)) return [];
  const problems: ManifestProblem[] = [];
  const weights = isObject(manifest.weights) ? manifest.weights : {};
  const profiles = isObject(manifest.profiles) ? manifest.profiles : {};
  const artifacts = Array.isArray(manifest.artifacts) ? manifest.artifacts : [];

  for (const [name, profile] of Object.entries(profiles)) {
    if (!isObject(profile) || typeof profile.weights !== "string") continue;
    if (!Object.hasOwn(weights, profile.weights)) {
      problems.push({
        path: ["profiles", name, "weights"],
        message: `names weight set "${profile.weights}", which is not in weights (${listNames(weights)})`,
      });
    }
  }

  const firstIndexOfPath = new Map<string, number>();
  const bucketOwners = new Map<string, { index: number; shape: string }>();
  artifacts.forEach((artifact, index) => {
    if (!isObject(artifact)) return;
    if (typeof artifact.path === "string") {
      const first = firstIndexOfPath.get(artifact.path);
      if (first === undefined) firstIndexOfPath.set(artifact.path, index);
      else {
        problems.push({
          path: ["artifacts", index, "path"],
          message: `"${artifact.path}" is also the path of artifacts[${first}]; every artifact needs its own file`,
        });
      }
    }
    if (typeof artifact.profile === "string" && !Object.hasOwn(profiles, artifact.profile)) {
      problems.push({
        path: ["artifacts", index, "profile"],
        message: `names profile "${artifact.profile}", which is not in profiles (${listNames(profiles)})`,
      });
    }
    if (typeof artifact.weightsOverride === "string" && !Object.hasOwn(weights, artifact.weightsOverride)) {
      problems.push({
        path: ["artifacts", index, "weightsOverride"],
        message: `names weight set "${artifact.weightsOverride}", which is not in weights (${listNames(weights)})`,
      });
    }
    const bucket = artifact.bucket;
    if (typeof artifact.profile === "string" && isObject(bucket) && typeof bucket.name === "string") {
      // Every build of one bucket serves the same calls, so they must agree on inputs and dtypes.
      const key = JSON.stringify([artifact.profile, bucket.name]);
      const shape = canonicalJson({ inputs: bucket.inputs, dtypes: bucket.dtypes ?? null });
      const owner = bucketOwners.get(key);
      if (owner === undefined) bucketOwners.set(key, { index, shape });
      else if (owner.shape !== shape) {
        problems.push({
          path: ["artifacts", index, "bucket"],
          message: `bucket "${bucket.name}" of profile "${artifact.profile}" declares other inputs or dtypes than artifacts[${owner.index}].bucket; every build of one bucket must take the same inputs`,
        });
      }
    }
  });
  return problems;
}

function listNames(record: Json): string {
  const names = Object.keys(record);
  return names.length === 0 ? "none defined" : names.map((n) => `"${n}"`).join(", ");
}

/** JSON with object keys sorted, so two equal values print the same whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    isObject(inner)
      ? Object.fromEntries(
          Object.keys(inner)
            .sort()
            .map((k) => [k, inner[k]]),
        )
      : inner,
  );
}

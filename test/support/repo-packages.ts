import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadPackagesOptions, PackageSpec } from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";

interface ManifestShape {
  weights: Record<string, { files: string[] }>;
  profiles: Record<string, { weights: string }>;
  artifacts: { path: string; profile: string; bucket: Bucket; weightsOverride?: string }[];
}

/**
 * The packages and weights of a convention repo folder, as loadPackages takes them: the first
 * profile's artifacts (optionally only some buckets), each with its override weight set.
 */
export function repoPackages(
  repo: string,
  buckets?: string[],
): Pick<LoadPackagesOptions, "packages" | "weights"> {
  const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as ManifestShape;
  const profile = manifest.artifacts[0]!.profile;
  const artifacts = manifest.artifacts.filter(
    (a) => a.profile === profile && (buckets === undefined || buckets.includes(a.bucket.name)),
  );
  const files = (set: string) => manifest.weights[set]!.files.map((f) => join(repo, f));
  const packages: PackageSpec[] = artifacts.map((a) => ({
    path: join(repo, a.path),
    bucket: a.bucket,
    ...(a.weightsOverride ? { weights: files(a.weightsOverride) } : {}),
  }));
  return { packages, weights: files(manifest.profiles[profile]!.weights) };
}

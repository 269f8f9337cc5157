import { type Accelerator, evaluateArtifact } from "../compat/evaluate-artifact.js";
import type { DeviceProfile } from "../device/device-profile.js";
import { AotihubError } from "../errors/aotihub-error.js";
import type { Manifest } from "../manifest/manifest-schema.js";
import { compareBucketNames } from "./bucket-order.js";
import { compareCandidates, type RankedCandidate } from "./compare-candidates.js";
import { NoCompatibleArtifactError } from "./no-compatible-artifact-error.js";
import type { BucketResolution, Resolution, ResolveOptions } from "./resolution.js";

/**
 * Picks, for each bucket of the first profile that can run here, the best artifact for `device`,
 * and explains every rejection. Throws `NoCompatibleArtifactError` only when no bucket of any
 * requested profile is available. Pure and deterministic: the order of `manifest.artifacts` does
 * not change the answer.
 */
export function resolveArtifacts(
  manifest: Manifest,
  device: DeviceProfile,
  options: ResolveOptions = {},
): Resolution {
  const profiles = requestedProfiles(manifest, options.profile);
  const accelerator: Accelerator =
    options.accelerator ?? (device.cuda === null || device.cuda === undefined ? "cpu" : "cuda");
  const attempts: Resolution[] = [];
  for (const profile of profiles) {
    const resolution = resolveProfile(manifest, device, profile, accelerator);
    if (Object.values(resolution.buckets).some((bucket) => bucket.chosen !== null)) return resolution;
    attempts.push(resolution);
  }
  throw new NoCompatibleArtifactError(manifest.name, device, attempts);
}

function requestedProfiles(manifest: Manifest, requested: string | string[] | undefined): string[] {
  const known = Object.keys(manifest.profiles);
  if (requested === undefined) return known;
  const list = typeof requested === "string" ? [requested] : requested;
  const unknown = list.filter((name) => !Object.hasOwn(manifest.profiles, name));
  if (unknown.length > 0) {
    throw new AotihubError(
      "AOTIHUB_PROFILE_UNKNOWN",
      `${manifest.name} has no profile ${unknown.map((n) => `"${n}"`).join(", ")}`,
      {
        expected: `one of ${known.map((n) => `"${n}"`).join(", ") || "(none: the manifest defines no profiles)"}`,
        received: list.join(", "),
        hint: "pick one of the profiles the manifest defines",
      },
    );
  }
  return list;
}

function resolveProfile(
  manifest: Manifest,
  device: DeviceProfile,
  profileName: string,
  accelerator: Accelerator,
): Resolution {
  const profile = manifest.profiles[profileName]!;
  const byBucket = new Map<string, RankedCandidate[]>();
  for (const artifact of manifest.artifacts) {
    if (artifact.profile !== profileName) continue;
    const evaluation = evaluateArtifact(artifact, profile, device, accelerator);
    const list = byBucket.get(artifact.bucket.name) ?? [];
    list.push({ artifact, ...evaluation });
    byBucket.set(artifact.bucket.name, list);
  }
  const buckets: Record<string, BucketResolution> = {};
  for (const name of [...byBucket.keys()].sort(compareBucketNames)) {
    const ranked = byBucket.get(name)!.sort(compareCandidates);
    const best = ranked[0];
    buckets[name] = {
      chosen: best?.ok ? best.artifact : null,
      candidates: ranked.map(({ artifact, ok, reasons }) => ({ artifact, ok, reasons })),
    };
  }
  return { profile: profileName, accelerator, buckets };
}

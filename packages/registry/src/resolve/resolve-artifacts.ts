import { otherRuntimeReason, type RuntimePreference } from "../compat/check-runtime.js";
import { type Accelerator, evaluateArtifact } from "../compat/evaluate-artifact.js";
import type { DeviceProfile } from "../device/device-profile.js";
import { AotihubError } from "../errors/aotihub-error.js";
import { artifactRuntime } from "../manifest/artifact-runtime.js";
import type { Manifest, RuntimeKind } from "../manifest/manifest-schema.js";
import { compareBucketNames } from "./bucket-order.js";
import { compareCandidates, type RankedCandidate } from "./compare-candidates.js";
import { NoCompatibleArtifactError } from "./no-compatible-artifact-error.js";
import type { BucketResolution, Resolution, ResolveOptions } from "./resolution.js";
import { TorchRequiredError } from "./torch-required-error.js";

/**
 * Picks, for each bucket of the first profile that can run here, the best artifact for `device`,
 * and explains every rejection. Throws `NoCompatibleArtifactError` only when no bucket of any
 * requested profile is available (`TorchRequiredError` when installing torch would make a libtorch
 * build available). Each profile resolves to one runtime (see `ResolveOptions.runtime`). Pure and deterministic: the order of `manifest.artifacts` does
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
  const torchRanges = new Set<string>();
  for (const profile of profiles) {
    const { resolution, torchWouldServe } = resolveProfile(manifest, device, profile, accelerator, options);
    if (Object.values(resolution.buckets).some((bucket) => bucket.chosen !== null)) return resolution;
    attempts.push(resolution);
    for (const range of torchWouldServe) torchRanges.add(range);
  }
  if (torchRanges.size > 0)
    throw new TorchRequiredError(manifest.name, device, attempts, [...torchRanges].sort());
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
  { runtime: asked, preferRuntime }: ResolveOptions,
): { resolution: Resolution; torchWouldServe: string[] } {
  const profile = manifest.profiles[profileName]!;
  const evaluated: RankedCandidate[] = [];
  const torchWouldServe: string[] = [];
  for (const artifact of manifest.artifacts) {
    if (artifact.profile !== profileName) continue;
    const { onlyTorchMissing, ...evaluation } = evaluateArtifact(
      artifact,
      profile,
      device,
      accelerator,
      asked,
    );
    if (onlyTorchMissing) torchWouldServe.push(artifact.target.torch);
    evaluated.push({ artifact, ...evaluation });
  }
  const { runtime, because } = asked
    ? { runtime: asked, because: "asked" as const }
    : preferredRuntime(evaluated, device, preferRuntime);
  const byBucket = new Map<string, RankedCandidate[]>();
  for (const candidate of evaluated) {
    const usable =
      candidate.ok && artifactRuntime(candidate.artifact) !== runtime
        ? {
            ...candidate,
            ok: false,
            reasons: [otherRuntimeReason(candidate.artifact, runtime, device, because)],
          }
        : candidate;
    const list = byBucket.get(candidate.artifact.bucket.name) ?? [];
    list.push(usable);
    byBucket.set(candidate.artifact.bucket.name, list);
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
  return { resolution: { profile: profileName, accelerator, runtime, buckets }, torchWouldServe };
}

/**
 * The runtime the process already runs, where one of its builds fits; else libtorch where one of
 * the profile's libtorch builds runs here (torch was found and fits): the build its publisher
 * tested with torch's own kernels; else standalone, which needs no torch.
 */
function preferredRuntime(
  candidates: RankedCandidate[],
  device: DeviceProfile,
  prefer: RuntimeKind | undefined,
): { runtime: RuntimeKind; because: RuntimePreference } {
  const runs = (runtime: RuntimeKind) =>
    candidates.some((c) => c.ok && artifactRuntime(c.artifact) === runtime);
  if (prefer !== undefined && runs(prefer)) return { runtime: prefer, because: "process" };
  if (runs("libtorch")) return { runtime: "libtorch", because: "torch" };
  if (runs("standalone")) return { runtime: "standalone", because: "torch" };
  return { runtime: device.torch ? "libtorch" : "standalone", because: "torch" };
}

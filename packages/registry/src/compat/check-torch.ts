import semver from "semver";
import type { DeviceProfile } from "../device/device-profile.js";
import type { Artifact } from "../manifest/manifest-schema.js";

/**
 * Torch's version without its local suffix ("2.11.0+cu130" -> "2.11.0"), as semver. Versions that
 * are not semver ("2.13.0a0", "2.12.0.dev20260101") are read as their release number.
 */
export function torchReleaseVersion(version: string): string | null {
  const withoutLocal = version.split("+")[0] ?? version;
  return semver.valid(withoutLocal) ?? semver.coerce(withoutLocal)?.version ?? null;
}

/**
 * Rule: the runtime torch satisfies the artifact's range (the `.so` calls libtorch's C shim of
 * that torch), and a CUDA artifact needs a CUDA build of torch. For libtorch artifacts only: a
 * standalone artifact links no libtorch.
 */
export function checkTorch(artifact: Artifact, device: DeviceProfile): string[] {
  const range = artifact.target.torch;
  const torch = device.torch;
  if (torch === null || torch === undefined) {
    return [
      `needs torch ${range}; no torch was found on this machine (install torch ${range}, or use a standalone build of this model, which needs no torch)`,
    ];
  }
  const reasons: string[] = [];
  const release = torchReleaseVersion(torch.version);
  if (release === null || !semver.satisfies(release, range)) {
    reasons.push(
      `needs torch ${range}; this machine has torch ${torch.version} (install a matching torch, or pick an artifact built for torch ${release === null ? torch.version : `${semver.major(release)}.${semver.minor(release)}`})`,
    );
  }
  if (artifact.target.device === "cuda" && torch.cuda === null) {
    reasons.push(
      `needs a CUDA build of torch; torch ${torch.version} here is a CPU-only build (install torch built for CUDA ${artifact.target.cuda})`,
    );
  }
  return reasons;
}

import semver from "semver";
import type { DeviceProfile } from "../device/device-profile.js";
import type { Artifact, Profile } from "../manifest/manifest-schema.js";

/**
 * Rule: the device meets the profile's requirements, e.g. fp8 matmuls need compute capability
 * >= 8.9. Capability requirements concern GPUs, so they apply to CUDA artifacts only.
 */
export function checkProfileRequirements(
  artifact: Artifact,
  profile: Profile,
  device: DeviceProfile,
): string[] {
  const range = profile.requires?.computeCapability;
  if (range === undefined || artifact.target.device !== "cuda") return [];
  if (device.cuda === null || device.cuda === undefined) return [];
  const capability = device.cuda.computeCapability;
  if (semver.satisfies(`${capability}.0`, range)) return [];
  return [
    `profile "${artifact.profile}" needs compute capability ${range}; this GPU is ${capability} (choose another profile for this GPU)`,
  ];
}

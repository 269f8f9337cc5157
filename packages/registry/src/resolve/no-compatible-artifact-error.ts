import type { DeviceProfile } from "../device/device-profile.js";
import { AotihubError } from "../errors/aotihub-error.js";
import { describeResolution } from "./describe-resolution.js";
import type { Resolution } from "./resolution.js";

/**
 * No bucket of any requested profile can run on this device. Carries the device and, per profile
 * tried, the full candidate table with every rejection reason.
 */
export class NoCompatibleArtifactError extends AotihubError {
  readonly device: DeviceProfile;
  readonly attempts: Resolution[];

  constructor(manifestName: string, device: DeviceProfile, attempts: Resolution[]) {
    const profiles = attempts.map((a) => `"${a.profile}"`).join(", ") || "none";
    const tables = attempts.map((attempt) => describeResolution(attempt, device)).join("\n");
    super(
      "AOTIHUB_NO_COMPATIBLE_ARTIFACT",
      `No artifact of ${manifestName} can run on this device (profiles tried: ${profiles})\n${tables}`,
      {
        hint: "read the reasons above: update the driver or torch, choose another profile or accelerator, or ask the publisher for a build for this device",
      },
    );
    this.device = device;
    this.attempts = attempts;
  }
}

import type { DeviceProfile } from "../device/device-profile.js";
import { AotihubError, type AotihubErrorDetails } from "../errors/aotihub-error.js";
import { describeResolution } from "./describe-resolution.js";
import type { Resolution } from "./resolution.js";

/** How a subclass names a more specific cause (its own code, summary and advice). */
export interface NoArtifactCause {
  code: "AOTIHUB_TORCH_REQUIRED";
  summary: string;
  details: AotihubErrorDetails;
}

/**
 * No bucket of any requested profile can run on this device. Carries the device and, per profile
 * tried, the full candidate table with every rejection reason. A subclass (`TorchRequiredError`)
 * names a cause with its own code, so `instanceof NoCompatibleArtifactError` catches every case.
 */
export class NoCompatibleArtifactError extends AotihubError {
  readonly device: DeviceProfile;
  readonly attempts: Resolution[];

  constructor(manifestName: string, device: DeviceProfile, attempts: Resolution[], cause?: NoArtifactCause) {
    const profiles = attempts.map((a) => `"${a.profile}"`).join(", ") || "none";
    const tables = attempts.map((attempt) => describeResolution(attempt, device)).join("\n");
    super(
      cause?.code ?? "AOTIHUB_NO_COMPATIBLE_ARTIFACT",
      `${cause?.summary ?? `No artifact of ${manifestName} can run on this device (profiles tried: ${profiles})`}\n${tables}`,
      cause?.details ?? {
        hint: "read the reasons above: update the driver or torch, choose another profile or accelerator, or ask the publisher for a build for this device",
      },
    );
    this.device = device;
    this.attempts = attempts;
  }
}

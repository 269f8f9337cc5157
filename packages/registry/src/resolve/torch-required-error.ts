import type { DeviceProfile } from "../device/device-profile.js";
import { describeDevice } from "./describe-resolution.js";
import { NoCompatibleArtifactError } from "./no-compatible-artifact-error.js";
import type { Resolution } from "./resolution.js";

/**
 * No artifact can run on this device, and some would if torch were installed: they link libtorch,
 * no torch was found, and no standalone build of the model fits. A `NoCompatibleArtifactError`
 * with its own code and advice, and the torch versions that would do.
 */
export class TorchRequiredError extends NoCompatibleArtifactError {
  /** The torch ranges of the libtorch artifacts that fail only for want of torch. */
  readonly torchRanges: string[];

  constructor(manifestName: string, device: DeviceProfile, attempts: Resolution[], torchRanges: string[]) {
    const ranges = torchRanges.join(" or ");
    super(manifestName, device, attempts, {
      code: "AOTIHUB_TORCH_REQUIRED",
      summary: `${manifestName} needs torch on this device: its builds that fit here link libtorch, and no torch was found`,
      details: {
        expected: `torch ${ranges} (for the libtorch builds), or a standalone build of the model (runs with no torch)`,
        received: `no torch on ${describeDevice(device)}`,
        hint: `install torch ${ranges} (for AOTIHUB_PYTHON or python3, or point AOTIHUB_TORCH_DIR at it; \`aotihub probe\` shows what is found), or ask the publisher for a standalone build (docs/standalone-runtime.md)`,
      },
    });
    this.torchRanges = torchRanges;
  }
}

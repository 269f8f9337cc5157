import type { DeviceProfile } from "../device/device-profile.js";
import { artifactRuntime } from "../manifest/artifact-runtime.js";
import type { Artifact, RuntimeKind } from "../manifest/manifest-schema.js";

/**
 * Rule: when the caller asks for a runtime, only artifacts built for it are eligible. (Whether a
 * libtorch artifact finds its torch is `checkTorch`'s rule; a standalone one needs none.)
 */
export function checkRuntime(artifact: Artifact, asked: RuntimeKind | undefined): string[] {
  const runtime = artifactRuntime(artifact);
  if (asked === undefined || asked === runtime) return [];
  if (runtime === "libtorch") {
    return [
      `needs libtorch (torch ${artifact.target.torch}); the standalone runtime was asked for (use a standalone build, or leave the runtime unset to allow libtorch builds where torch is installed)`,
    ];
  }
  return [
    `built for the standalone runtime (no libtorch); the libtorch runtime was asked for (leave the runtime unset, or ask for "standalone", to allow it)`,
  ];
}

/**
 * Why a compatible artifact is not used: the profile resolved to the other runtime, and a process
 * runs one. Only a standalone artifact beside usable libtorch ones of the same profile gets here,
 * since libtorch builds are preferred wherever torch is installed.
 */
export function otherRuntimeReason(artifact: Artifact, chosen: RuntimeKind, device: DeviceProfile): string {
  const torch = device.torch ? `torch ${device.torch.version} was found` : "no torch was found";
  return `built for the ${artifactRuntime(artifact)} runtime; this profile resolves to the ${chosen} runtime (${torch}, libtorch builds are preferred where torch is installed, and a process runs one runtime): ask for runtime "${artifactRuntime(artifact)}" to use it`;
}

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

/** Why a profile resolved to its runtime: asked for, the process's, or torch's presence. */
export type RuntimePreference = "asked" | "process" | "torch";

/**
 * Why a compatible artifact is not used: the profile resolved to the other runtime, and a process
 * runs one. `because` says why that runtime: the one this process already runs, or (with torch
 * found) libtorch builds are preferred.
 */
export function otherRuntimeReason(
  artifact: Artifact,
  chosen: RuntimeKind,
  device: DeviceProfile,
  because: RuntimePreference = "torch",
): string {
  const own = artifactRuntime(artifact);
  const why =
    because === "process"
      ? "the runtime this process already runs models on"
      : because === "asked"
        ? "the runtime asked for"
        : `${device.torch ? `torch ${device.torch.version} was found` : "no torch was found"}, libtorch builds are preferred where torch is installed`;
  return `built for the ${own} runtime; this profile resolves to the ${chosen} runtime (${why}, and a process runs one runtime): ask for runtime "${own}" to use it`;
}

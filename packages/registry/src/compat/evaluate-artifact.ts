import type { DeviceProfile } from "../device/device-profile.js";
import { artifactRuntime } from "../manifest/artifact-runtime.js";
import type { Artifact, Profile, RuntimeKind } from "../manifest/manifest-schema.js";
import { checkArchitecture } from "./check-architecture.js";
import { checkCpuIsa, cpuIsaCount } from "./check-cpu-isa.js";
import { checkCudaDriver } from "./check-cuda-driver.js";
import { checkPlatform } from "./check-platform.js";
import { checkProfileRequirements } from "./check-profile-requirements.js";
import { checkRuntime } from "./check-runtime.js";
import { checkTorch } from "./check-torch.js";
import { parseVersionNumbers } from "./version-numbers.js";

export type Accelerator = "cuda" | "cpu";

export interface ArtifactEvaluation {
  ok: boolean;
  /** Every rule the artifact fails, each a sentence a user can act on. Empty when ok. */
  reasons: string[];
  /** Lower sorts first among compatible artifacts of one bucket (the path breaks ties). */
  rank: number[];
  /**
   * True when the only failing rule is that no torch was found for a libtorch artifact: installing
   * torch would make it run here (the cue for `TorchRequiredError`).
   */
  onlyTorchMissing: boolean;
}

/**
 * Runs every rule that applies to one artifact on one device, collecting all failures. `runtime`
 * is the runtime the caller asked for (undefined: either). A standalone artifact links no libtorch,
 * so torch's presence and version do not concern it; every other rule does.
 */
export function evaluateArtifact(
  artifact: Artifact,
  profile: Profile,
  device: DeviceProfile,
  accelerator: Accelerator,
  runtime?: RuntimeKind,
): ArtifactEvaluation {
  const target = artifact.target;
  if (target.device !== accelerator) {
    const reason =
      target.device === "cpu"
        ? "built for CPU; CUDA artifacts were asked for (resolve with accelerator cpu to allow CPU builds)"
        : "built for CUDA GPUs; CPU artifacts were asked for (resolve with accelerator cuda on a GPU machine)";
    return { ok: false, reasons: [reason], rank: [], onlyTorchMissing: false };
  }

  const reasons = [...checkPlatform(artifact, device)];
  let rank: number[];
  if (target.device === "cuda") {
    const architecture = checkArchitecture(target, device);
    reasons.push(...architecture.reasons);
    if (architecture.match !== null) reasons.push(...checkCudaDriver(target, device, architecture.match));
    reasons.push(...checkProfileRequirements(artifact, profile, device));
    const cuda = parseVersionNumbers(target.cuda) ?? [0, 0];
    const match = architecture.match ?? { tier: 3, distance: 0 };
    // Best first: exact SASS, nearest lower SASS, PTX; then the newest CUDA build.
    rank = [match.tier, match.distance, -(cuda[0] ?? 0), -(cuda[1] ?? 0)];
  } else {
    reasons.push(...checkCpuIsa(target, device));
    // The most specialised CPU build the machine can run.
    rank = [-cpuIsaCount(target)];
  }
  const runtimeReasons = checkRuntime(artifact, runtime);
  reasons.push(...runtimeReasons);
  let onlyTorchMissing = false;
  if (runtimeReasons.length === 0 && artifactRuntime(artifact) === "libtorch") {
    const torchReasons = checkTorch(artifact, device);
    onlyTorchMissing = reasons.length === 0 && torchReasons.length > 0 && !device.torch;
    reasons.push(...torchReasons);
  }
  return { ok: reasons.length === 0, reasons, rank, onlyTorchMissing };
}

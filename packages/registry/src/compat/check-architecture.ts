import type { DeviceProfile } from "../device/device-profile.js";
import type { CudaTarget } from "../manifest/manifest-schema.js";
import {
  type CudaArch,
  compareCapability,
  describeArchMismatch,
  parseCapability,
  parseCudaArch,
  ptxRunsOn,
  sassRunsOn,
} from "./cuda-arch.js";

/**
 * How an artifact's code runs on a GPU, best first: `tier` 0 = SASS built for exactly this
 * capability, 1 = SASS of the same major built for a lower minor (`distance` minors away),
 * 2 = PTX JIT (`distance` from the PTX architecture up to this GPU).
 */
export interface ArchMatch {
  via: "sass" | "ptx";
  tier: 0 | 1 | 2;
  distance: number;
}

export interface ArchitectureCheck {
  match: ArchMatch | null;
  reasons: string[];
}

/** Rule: the device has a CUDA GPU whose compute capability runs the artifact's SASS or PTX. */
export function checkArchitecture(target: CudaTarget, device: DeviceProfile): ArchitectureCheck {
  if (device.cuda === null || device.cuda === undefined) {
    return {
      match: null,
      reasons: [
        "built for CUDA GPUs; this device has no CUDA GPU (run on a GPU machine, or resolve with accelerator cpu to use a CPU build)",
      ],
    };
  }
  const capability = parseCapability(device.cuda.computeCapability);
  if (capability === null) {
    return {
      match: null,
      reasons: [`this GPU's compute capability "${device.cuda.computeCapability}" is not "major.minor"`],
    };
  }
  const archs: CudaArch[] = target.sass.flatMap((text) => parseCudaArch(text) ?? []);
  const ptx = target.ptx === null ? null : parseCudaArch(`${target.ptx}+PTX`);

  let best: ArchMatch | null = null;
  for (const arch of archs) {
    if (!sassRunsOn(arch, capability)) continue;
    const distance = capability.minor - arch.minor;
    const candidate: ArchMatch = { via: "sass", tier: distance === 0 ? 0 : 1, distance };
    if (
      best === null ||
      candidate.tier < best.tier ||
      (candidate.tier === best.tier && candidate.distance < best.distance)
    ) {
      best = candidate;
    }
  }
  if (best === null && ptx !== null && ptxRunsOn(ptx, capability)) {
    const distance = (capability.major - ptx.major) * 100 + capability.minor - ptx.minor;
    best = { via: "ptx", tier: 2, distance };
  }
  if (best !== null) return { match: best, reasons: [] };

  const all = ptx === null ? archs : [...archs, ptx];
  const here = `${capability.major}.${capability.minor}`;
  const hint = all.every((arch) => compareCapability(capability, arch) < 0)
    ? ` (this GPU needs a build for compute capability ${here} or lower)`
    : ` (this GPU needs a build for sm_${capability.major}${capability.minor}, a lower ${capability.major}.x, or one carrying PTX)`;
  return {
    match: null,
    reasons: [`${describeArchMismatch(all, capability, device.cuda.name)}${hint}`],
  };
}

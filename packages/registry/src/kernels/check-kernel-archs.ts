import {
  type CudaArch,
  describeArchMismatch,
  parseCapability,
  parseCudaArch,
  ptxRunsOn,
  sassRunsOn,
} from "../compat/cuda-arch.js";
import type { KernelVariant } from "./kernel-variant.js";

/**
 * The check kernels lacks: can this GPU run the variant's code at all? `archs` is the variant's
 * `metadata.json` `backend.archs` ("8.0", "9.0a", "9.0+PTX"). Only CUDA variants are checked, and
 * only when the capability is known. Returns a reason, or null when it can run.
 */
export function checkKernelArchs(
  variant: KernelVariant,
  archs: readonly string[] | undefined,
  computeCapability: string | undefined,
): string | null {
  if (archs === undefined || computeCapability === undefined) return null;
  const isCuda = variant.kind === "noarch" ? variant.backendName === "cuda" : variant.backend.name === "cuda";
  if (!isCuda) return null;
  const capability = parseCapability(computeCapability);
  if (capability === null) return null;
  const parsed: CudaArch[] = archs.flatMap((text) => parseCudaArch(text) ?? []);
  if (parsed.length === 0) {
    return `its metadata.json lists no CUDA architecture this aotihub understands (${JSON.stringify(archs)}); ask the kernel's publisher to list archs like "9.0a" or "8.0+PTX"`;
  }
  if (parsed.some((arch) => sassRunsOn(arch, capability) || ptxRunsOn(arch, capability))) return null;
  return `${describeArchMismatch(parsed, capability)} (kernels itself would pick it and fail at launch: use a GPU it was built for, or a model build that does not need this kernel)`;
}

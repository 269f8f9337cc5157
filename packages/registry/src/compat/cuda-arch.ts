/**
 * CUDA architectures and their binary compatibility, as NVIDIA documents it:
 * - SASS for `X.Y` runs on compute capability `X.Z` with Z >= Y (same major only);
 * - `X.Ya` (arch-specific features, e.g. Hopper's wgmma) runs only on exactly `X.Y`;
 * - `X.Yf` (family-specific, CUDA 12.9+) runs on the same major with Z >= Y;
 * - PTX for `X.Y` is JIT-compiled by the driver for any capability >= `X.Y`
 *   (arch- and family-specific PTX reach no further than their SASS).
 */
export interface CudaArch {
  major: number;
  minor: number;
  suffix: "" | "a" | "f";
  /** True for PTX (`X.Y+PTX` in kernels' metadata, `ptx` in a manifest target). */
  ptx: boolean;
}

export interface ComputeCapability {
  major: number;
  minor: number;
}

/** Parses "8.0", "9.0a", "10.0f" or "9.0+PTX"; null for anything else. */
export function parseCudaArch(text: string): CudaArch | null {
  const match = /^(\d+)\.(\d+)([af]?)(\+PTX)?$/i.exec(text.trim());
  if (match === null) return null;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    suffix: (match[3] ?? "").toLowerCase() as CudaArch["suffix"],
    ptx: match[4] !== undefined,
  };
}

export function parseCapability(text: string): ComputeCapability | null {
  const match = /^(\d+)\.(\d+)$/.exec(text.trim());
  return match === null ? null : { major: Number(match[1]), minor: Number(match[2]) };
}

export function formatCapability(capability: ComputeCapability): string {
  return `${capability.major}.${capability.minor}`;
}

/** True when the SASS built for `arch` runs on `capability`. */
export function sassRunsOn(arch: CudaArch, capability: ComputeCapability): boolean {
  if (arch.major !== capability.major) return false;
  return arch.suffix === "a" ? arch.minor === capability.minor : capability.minor >= arch.minor;
}

/** True when the PTX carried by `arch` can be JIT-compiled for `capability`. */
export function ptxRunsOn(arch: CudaArch, capability: ComputeCapability): boolean {
  if (!arch.ptx) return false;
  if (arch.suffix !== "") return sassRunsOn(arch, capability);
  return compareCapability(capability, arch) >= 0;
}

export function compareCapability(a: ComputeCapability, b: ComputeCapability): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

/** `sm_90a`, `sm_80`, `sm_100f`; PTX as `compute_80 PTX`. */
export function archName(arch: CudaArch): string {
  const code = `${arch.major}${arch.minor}${arch.suffix}`;
  return arch.ptx ? `sm_${code} + PTX` : `sm_${code}`;
}

/** Where code built for `arch` runs, in words ("only on compute capability 9.0"). */
export function archReach(arch: CudaArch): string {
  const at = `${arch.major}.${arch.minor}`;
  if (arch.ptx && arch.suffix === "") return `on compute capability ${at} or later, by PTX JIT`;
  if (arch.suffix === "a") return `only on compute capability ${at}`;
  return `on compute capability ${at} or a later ${arch.major}.x`;
}

/**
 * "built for sm_90a (runs only on compute capability 9.0); this GPU is 8.9" and, for several,
 * each with its reach. Used by artifact and kernel checks alike.
 */
export function describeArchMismatch(
  archs: CudaArch[],
  capability: ComputeCapability,
  gpuName?: string,
): string {
  const parts = archs.map((arch) => `${archName(arch)} (runs ${archReach(arch)})`);
  const list =
    parts.length <= 1
      ? (parts[0] ?? "no architecture")
      : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  const noPtx = archs.length > 1 && !archs.some((arch) => arch.ptx) ? ", with no PTX" : "";
  const gpu = gpuName === undefined ? "this GPU" : `this GPU (${gpuName})`;
  return `built for ${list}${noPtx}; ${gpu} is ${formatCapability(capability)}`;
}

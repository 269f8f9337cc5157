import { binding } from "../binding.js";

export interface GpuInfo {
  index: number;
  name: string;
  /** "9.0" for an H100. */
  computeCapability: string;
  totalMemoryBytes: number;
  pciBusId: number;
}

export interface CudaProbe {
  /** The driver's CUDA version ("13.0"), or null when no driver answered. */
  driverVersion: string | null;
  gpus: GpuInfo[];
  /** Why there is no GPU, when there is none ("libcuda.so.1 not loadable: ..."). */
  reason: string;
}

/** Asks the CUDA driver (libcuda.so.1, off the event loop) for every GPU; never throws for "no CUDA". */
export async function probeCuda(): Promise<CudaProbe> {
  const raw = await binding().probeCuda();
  return {
    driverVersion: raw.driverVersion > 0 ? formatDriverVersion(raw.driverVersion) : null,
    gpus: raw.gpus.map((g) => ({
      index: g.index,
      name: g.name,
      computeCapability: `${g.major}.${g.minor}`,
      totalMemoryBytes: g.totalMemory,
      pciBusId: g.pciBusId,
    })),
    reason: raw.reason,
  };
}

/** Every GPU the driver sees; an empty list on a machine without CUDA. */
export async function probeGpus(): Promise<GpuInfo[]> {
  return (await probeCuda()).gpus;
}

/** cuDriverGetVersion's 13000 -> "13.0", 12080 -> "12.8". */
export function formatDriverVersion(version: number): string {
  return `${Math.floor(version / 1000)}.${Math.floor((version % 1000) / 10)}`;
}

import { type DeviceProfile, isAotihubError } from "@aotihub/registry";
import { findTorch } from "../torch/find-torch.js";
import type { TorchInstall } from "../torch/torch-install.js";
import { detectCpuIsa } from "./cpu-isa.js";
import { probeCuda } from "./probe-gpus.js";

export interface ProbeDeviceOptions {
  /** Passed to findTorch. */
  torchDir?: string;
  /** Use this torch instead of searching (null: report no torch). */
  torch?: TorchInstall | null;
  /** Which GPU describes the machine (default 0). */
  gpuIndex?: number;
}

const MACHINES: Record<string, string> = { x64: "x86_64", arm64: "aarch64" };
const SYSTEMS: Record<string, string> = { linux: "linux", darwin: "darwin", win32: "windows" };

/**
 * What this machine offers compiled models, as the registry's DeviceProfile: OS and CPU (with AOTI
 * ISA names), the CUDA driver's view of one GPU, and the torch that would run them. Never throws
 * for a missing GPU or torch: those are answers (null).
 */
export async function probeDevice(options: ProbeDeviceOptions = {}): Promise<DeviceProfile> {
  const [cuda, torch] = await Promise.all([probeCuda(), torchOrNull(options)]);
  const gpu = cuda.gpus[options.gpuIndex ?? 0];
  return {
    os: SYSTEMS[process.platform] ?? process.platform,
    machine: MACHINES[process.arch] ?? process.arch,
    cpuIsa: detectCpuIsa(),
    cuda:
      gpu === undefined || cuda.driverVersion === null
        ? null
        : { computeCapability: gpu.computeCapability, driverVersion: cuda.driverVersion, name: gpu.name },
    torch: torch === null ? null : { version: torch.fullVersion, cuda: torch.cuda, cxx11Abi: torch.cxx11Abi },
  };
}

async function torchOrNull(options: ProbeDeviceOptions): Promise<TorchInstall | null> {
  if (options.torch !== undefined) return options.torch;
  try {
    return await findTorch(options.torchDir === undefined ? {} : { torchDir: options.torchDir });
  } catch (error) {
    if (isAotihubError(error)) return null;
    throw error;
  }
}

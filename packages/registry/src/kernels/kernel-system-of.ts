import type { DeviceProfile } from "../device/device-profile.js";
import type { KernelSystem } from "./kernel-variant.js";

/**
 * What the `kernels` library would detect on this device: torch's version, C++ ABI and build CUDA
 * (not the driver's), the CPU and OS. Undefined without torch: no kernel build can be chosen then.
 */
export function kernelSystemOf(device: DeviceProfile): KernelSystem | undefined {
  if (!device.torch) return undefined;
  const [major, minor] = device.torch.version.split(".");
  const cc = device.cuda?.computeCapability;
  return {
    torch: `${major}.${minor}`,
    cxx11Abi: device.torch.cxx11Abi,
    cuda: device.torch.cuda,
    cpu: device.machine,
    os: device.os,
    ...(cc === undefined ? {} : { computeCapability: cc }),
  } as KernelSystem;
}

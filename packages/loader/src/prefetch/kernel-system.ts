import type { DeviceProfile, KernelSystem } from "@aotihub/registry";

/** What the `kernels` library would detect on this device: torch's version, ABI and build CUDA. */
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

import type { DeviceProfile } from "../device/device-profile.js";
import type { CudaTarget } from "../manifest/manifest-schema.js";
import type { ArchMatch } from "./check-architecture.js";
import { compareVersionNumbers, parseVersionNumbers } from "./version-numbers.js";

/**
 * Rule: the driver can run code built with the artifact's CUDA. A driver >= the build's CUDA always
 * can; SASS also runs on an older driver of the same major (CUDA minor-version compatibility);
 * PTX JIT never does, since the driver must understand the newer PTX.
 */
export function checkCudaDriver(target: CudaTarget, device: DeviceProfile, match: ArchMatch): string[] {
  if (device.cuda === null || device.cuda === undefined) return [];
  const built = parseVersionNumbers(target.cuda);
  const driver = parseVersionNumbers(device.cuda.driverVersion);
  if (built === null || driver === null) return [];
  if (compareVersionNumbers(driver, built) >= 0) return [];
  if (match.via === "sass" && driver[0] === built[0]) return [];
  const fix = `update the NVIDIA driver to one that supports CUDA ${target.cuda} or later, or pick an artifact built with CUDA ${driver[0]}.x`;
  if (match.via === "ptx") {
    return [
      `runs here only through PTX JIT, which needs a driver for CUDA ${target.cuda} or later; this driver supports CUDA ${device.cuda.driverVersion} (${fix})`,
    ];
  }
  return [
    `built with CUDA ${target.cuda}; this driver supports CUDA ${device.cuda.driverVersion}, and minor-version compatibility covers only CUDA ${driver[0]}.x (${fix})`,
  ];
}

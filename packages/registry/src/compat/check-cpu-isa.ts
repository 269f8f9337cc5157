import type { DeviceProfile } from "../device/device-profile.js";
import type { CpuTarget } from "../manifest/manifest-schema.js";

/** torch writes this when it found no vector ISA: the code then needs none. */
const NO_VECTOR_ISA = "INVALID_VEC_ISA";

/**
 * Rule: the CPU has every vector ISA the artifact's code was generated for (`AOTI_CPU_ISA`); code
 * for a missing ISA dies with SIGILL, so this is checked before anything is loaded.
 */
export function checkCpuIsa(target: CpuTarget, device: DeviceProfile): string[] {
  const needed = target.cpuIsa
    .map((isa) => isa.toUpperCase())
    .filter((isa) => isa !== "" && isa !== NO_VECTOR_ISA);
  if (needed.length === 0) return [];
  if (device.cpuIsa === undefined) {
    return [
      `built for CPU ISA ${needed.join(" ")}; this CPU's ISA is unknown (give cpuIsa in the device profile)`,
    ];
  }
  const present = new Set(device.cpuIsa.map((isa) => isa.toUpperCase()));
  const missing = needed.filter((isa) => !present.has(isa));
  if (missing.length === 0) return [];
  const has = present.size === 0 ? "no vector ISA" : [...present].join(" ");
  return [
    `built for CPU ISA ${needed.join(" ")}; this CPU lacks ${missing.join(" ")} (it has ${has}): pick a build for ${has}`,
  ];
}

/** How specialised a CPU build is: more ISA extensions first. */
export function cpuIsaCount(target: CpuTarget): number {
  return target.cpuIsa.filter((isa) => isa !== "" && isa.toUpperCase() !== NO_VECTOR_ISA).length;
}

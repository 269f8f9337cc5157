import type { DeviceProfile } from "../device/device-profile.js";
import { normalizeMachine, normalizeOs } from "../device/host-names.js";
import type { Artifact } from "../manifest/manifest-schema.js";

/** Rule: the artifact's OS and machine equal the device's (a `.so` is built for one of each). */
export function checkPlatform(artifact: Artifact, device: DeviceProfile): string[] {
  const wantOs = normalizeOs(artifact.target.os);
  const wantMachine = normalizeMachine(artifact.target.machine);
  const hasOs = normalizeOs(device.os);
  const hasMachine = normalizeMachine(device.machine);
  if (wantOs === hasOs && wantMachine === hasMachine) return [];
  return [
    `built for ${wantOs}/${wantMachine}; this machine is ${hasOs}/${hasMachine} (use an artifact built for ${hasOs}/${hasMachine})`,
  ];
}

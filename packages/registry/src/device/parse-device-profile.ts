import { AotihubError } from "../errors/aotihub-error.js";
import { formatJsonPath } from "../manifest/manifest-error.js";
import { type DeviceProfile, deviceProfileSchema } from "./device-profile.js";

/** Validates a device profile (e.g. the JSON given to `--device`); throws `AOTIHUB_DEVICE_INVALID`. */
export function parseDeviceProfile(json: unknown): DeviceProfile {
  const result = deviceProfileSchema.safeParse(json);
  if (result.success) return result.data;
  const list = result.error.issues
    .map((issue) => `\n  - ${formatJsonPath(issue.path.map(String))}: ${issue.message}`)
    .join("");
  throw new AotihubError("AOTIHUB_DEVICE_INVALID", `Invalid device profile:${list}`, {
    expected:
      '{ "os": "linux", "machine": "x86_64", "cpuIsa": ["AVX2"], "cuda": { "computeCapability": "9.0", "driverVersion": "13.0" } | null, "torch": { "version": "2.11.0+cu130", "cuda": "13.0", "cxx11Abi": true } | null }',
    received: JSON.stringify(json),
    hint: "fix the fields listed above, or leave --device out to probe this machine",
  });
}

export { type DeviceProfile, deviceProfileSchema } from "./device-profile.js";
export { normalizeMachine, normalizeOs } from "./host-names.js";
export { parseDeviceProfile } from "./parse-device-profile.js";

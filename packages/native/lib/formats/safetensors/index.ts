export { MAX_SAFETENSORS_HEADER_BYTES, readSafetensors } from "./read-safetensors.js";
export { readWeightSet } from "./read-weight-set.js";
export { SafetensorsInvalidError, type SafetensorsProblemDetails } from "./safetensors-invalid-error.js";
export type { SafetensorsFile, SafetensorsTensor, WeightSet } from "./types.js";

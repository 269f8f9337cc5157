export { type LoadPackagesOptions, loadPackages, type PackageSpec } from "./load-packages.js";
export type { LoadedModel, LoadStats, RunOptions } from "./loaded-model.js";
export { bucketMismatches, formatBucket, type InputSignature } from "./match-bucket.js";
export type { RuntimeKind } from "./standalone-runtime.js";
export {
  type EarlyRuntimeRequest,
  type EarlyRuntimeStart,
  startRuntimeEarly,
} from "./start-runtime-early.js";
export { type DeviceTensor, isDeviceTensor, type RunInput, type Tensor } from "./tensor.js";
export type { VariantInfo } from "./variant.js";

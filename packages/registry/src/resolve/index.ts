export { bucketsInOrder, compareBucketNames } from "./bucket-order.js";
export { describeDevice, describeResolution } from "./describe-resolution.js";
export { type NoArtifactCause, NoCompatibleArtifactError } from "./no-compatible-artifact-error.js";
export type { BucketResolution, Candidate, Resolution, ResolveOptions } from "./resolution.js";
export { resolveArtifacts } from "./resolve-artifacts.js";
export { TorchRequiredError } from "./torch-required-error.js";

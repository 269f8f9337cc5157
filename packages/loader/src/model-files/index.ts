export { type ChosenFiles, fetchChosenFiles } from "./fetch-chosen-files.js";
export { fetchKernelBuilds, type KernelRef, kernelRefsOf } from "./fetch-kernel-builds.js";
export { allWeightPathsOf, lockModel, targetKey, weightPathsOf } from "./lock-model.js";
export { KernelLibraryMissingError, LockDriftError, NoKernelVariantError } from "./model-file-errors.js";
export { chooseArtifacts, MANIFEST_PATH, type ModelPlan, planModelLoad } from "./plan-model-load.js";

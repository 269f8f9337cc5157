export { kernelSystemOf } from "./kernel-system.js";
export { lockPrefetched } from "./lock-prefetched.js";
export { type PrefetchedFile, type PrefetchedModel, type PrefetchParams, prefetch } from "./prefetch.js";
export { NoKernelVariantError } from "./prefetch-errors.js";

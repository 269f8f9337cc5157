export { lockPrefetched } from "./lock-prefetched.js";
export { type PrefetchedFile, type PrefetchedModel, type PrefetchParams, prefetch } from "./prefetch.js";

import type { BucketResolution, Resolution } from "./resolution.js";

// made on first use: a collator costs ~7 ms of ICU set-up, which every import of the registry paid
let numericOrder: Intl.Collator | undefined;

/** "256" < "512" < "1024": bucket names are often sizes. Fixed locale, then code units, so no ties. */
export function compareBucketNames(a: string, b: string): number {
  numericOrder ??= new Intl.Collator("en", { numeric: true });
  return numericOrder.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * A resolution's buckets in the registry's order ("08" < "512x512" < "1024"). Iterate this, never
 * `Object.keys(resolution.buckets)`: a JS object lists integer-like keys ("16", "1024") first,
 * before every other name, whatever order they were added in.
 */
export function bucketsInOrder(resolution: Resolution): [name: string, bucket: BucketResolution][] {
  return Object.entries(resolution.buckets).sort(([a], [b]) => compareBucketNames(a, b));
}

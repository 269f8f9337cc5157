import { bucketsInOrder, compareBucketNames, describeResolution, resolveArtifacts } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { cpuArtifact, cpuDevice, manifestOf } from "./support/builders.js";

// Bucket names are often sizes, some of them integer-like ("16", "1024"). A JS object lists such
// keys first, in numeric order, before every other name: the registry's order ("08" < "16" <
// "512x512" < "1024" < "dyn") must come from bucketsInOrder, in the text users read and in the
// order the loader hands variants to the runtime.

const names = ["dyn", "1024", "512x512", "16", "08"];
const manifest = manifestOf(
  names.map((n) => cpuArtifact(`cpu/${n}.pt2`, {}, { bucket: { name: n, inputs: { x: [1, 8] } } })),
);
const registryOrder = ["08", "16", "512x512", "1024", "dyn"];

describe("bucket order", () => {
  it("compareBucketNames: by number, then code unit; integer-like names are not special", () => {
    expect([...names].sort(compareBucketNames)).toEqual(registryOrder);
    // equal for the collator (same number, or canonically equivalent text): by code unit, so the
    // order is total and never depends on the manifest's order
    expect(compareBucketNames("8", "08")).toBeGreaterThan(0);
    expect(compareBucketNames("08", "8")).toBeLessThan(0);
    expect(compareBucketNames("A\u030A", "\u00C5")).toBeLessThan(0);
    expect(compareBucketNames("16", "16")).toBe(0);
  });

  it("bucketsInOrder lists a resolution's buckets in that order, where Object.keys does not", () => {
    const resolution = resolveArtifacts(manifest, cpuDevice());
    expect(Object.keys(resolution.buckets)).not.toEqual(registryOrder); // why the helper exists
    expect(bucketsInOrder(resolution).map(([name]) => name)).toEqual(registryOrder);
    expect(bucketsInOrder(resolution).map(([, b]) => b.chosen?.path)).toEqual(
      registryOrder.map((n) => `cpu/${n}.pt2`),
    );
  });

  it("describeResolution prints the buckets in that order", () => {
    const text = describeResolution(resolveArtifacts(manifest, cpuDevice()), cpuDevice());
    const printed = [...text.matchAll(/^ {2}bucket "([^"]+)"/gm)].map((m) => m[1]);
    expect(printed).toEqual(registryOrder);
  });
});

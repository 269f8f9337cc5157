import {
  type DeviceProfile,
  type Manifest,
  NoCompatibleArtifactError,
  parseManifest,
  resolveArtifacts,
} from "@aotihub/registry";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RawJson } from "./support/builders.js";

const capabilities = ["7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0"];
const archs = ["7.5", "8.0", "8.6", "8.9", "9.0", "9.0a", "10.0a", "10.0f", "12.0"];
const cudaVersions = ["12.4", "12.8", "13.0"];

const target = fc.oneof(
  fc.record({
    device: fc.constant("cuda" as const),
    sass: fc.uniqueArray(fc.constantFrom(...archs), { maxLength: 3 }),
    ptx: fc.option(fc.constantFrom("7.5", "8.0", "9.0"), { nil: null }),
    cuda: fc.constantFrom(...cudaVersions),
    torch: fc.constantFrom(">=2.11.0 <2.12.0", "^2.11.0", "~2.13.0"),
    os: fc.constantFrom("linux", "windows"),
    machine: fc.constantFrom("x86_64", "aarch64"),
  }),
  fc.record({
    device: fc.constant("cpu" as const),
    cpuIsa: fc.uniqueArray(fc.constantFrom("AVX2", "AVX512", "AVX512_VNNI", "ASIMD"), { maxLength: 2 }),
    torch: fc.constantFrom(">=2.11.0 <2.12.0", "~2.13.0"),
    os: fc.constant("linux"),
    machine: fc.constantFrom("x86_64", "aarch64"),
  }),
);

const dim = fc.oneof(
  fc.nat({ max: 4096 }),
  fc
    .tuple(fc.nat({ max: 64 }), fc.nat({ max: 64 }))
    .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]),
);

/** Manifests that follow the convention, with random targets, buckets and hashes. */
const manifestArbitrary = fc
  .record({
    profiles: fc.uniqueArray(fc.constantFrom("bf16", "fp8", "fp32"), { minLength: 1, maxLength: 3 }),
    buckets: fc.uniqueArray(fc.constantFrom("256", "512", "1024", "dyn"), { minLength: 1, maxLength: 3 }),
    inputs: fc.dictionary(
      fc.constantFrom("x", "hidden_states", "timestep"),
      fc.array(dim, { maxLength: 3 }),
      { minKeys: 1 },
    ),
    artifacts: fc.array(
      fc.record({
        profileIndex: fc.nat(),
        bucketIndex: fc.nat(),
        target,
        sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
        size: fc.nat(),
        kernels: fc.array(
          fc.oneof(
            fc.record({ repo: fc.constant("kernels-community/flash-attn3"), version: fc.nat({ max: 3 }) }),
            fc.record({
              repo: fc.constant("kernels-community/relu"),
              revision: fc.stringMatching(/^[0-9a-f]{7,40}$/),
            }),
          ),
          { maxLength: 2 },
        ),
      }),
      { maxLength: 12 },
    ),
    requireFp8: fc.boolean(),
  })
  .map(
    ({ profiles, buckets, inputs, artifacts, requireFp8 }): Manifest => ({
      format: "aotihub/1",
      name: "prop-model",
      weights: Object.fromEntries(profiles.map((p) => [p, { files: [`weights/${p}/model.safetensors`] }])),
      profiles: Object.fromEntries(
        profiles.map((p) => [
          p,
          p === "fp8" && requireFp8
            ? { weights: p, requires: { computeCapability: ">=8.9" } }
            : { weights: p },
        ]),
      ),
      artifacts: artifacts.map((a, i) => {
        const profile = profiles[a.profileIndex % profiles.length]!;
        const bucket = buckets[a.bucketIndex % buckets.length]!;
        const t =
          a.target.device === "cuda" && a.target.sass.length === 0 && a.target.ptx === null
            ? { ...a.target, ptx: "8.0" }
            : a.target;
        return {
          path: `aoti/${i}/${profile}/${bucket}.pt2`,
          sha256: a.sha256,
          size: a.size,
          profile,
          bucket: { name: bucket, inputs },
          target: t,
          kernels: a.kernels,
        };
      }),
    }),
  );

const deviceArbitrary: fc.Arbitrary<DeviceProfile> = fc.record({
  os: fc.constantFrom("linux", "windows"),
  machine: fc.constantFrom("x86_64", "aarch64"),
  cpuIsa: fc.uniqueArray(fc.constantFrom("AVX2", "AVX512", "AVX512_VNNI", "ASIMD")),
  cuda: fc.option(
    fc.record({
      computeCapability: fc.constantFrom(...capabilities),
      driverVersion: fc.constantFrom(...cudaVersions),
    }),
    { nil: null },
  ),
  torch: fc.option(
    fc.record({
      version: fc.constantFrom("2.11.0+cu130", "2.11.1", "2.13.0+cpu"),
      cuda: fc.option(fc.constantFrom(...cudaVersions), { nil: null }),
      cxx11Abi: fc.constant(true),
    }),
    { nil: null },
  ),
});

function resolveOrTables(manifest: Manifest, device: DeviceProfile, profile?: string[]) {
  try {
    return resolveArtifacts(manifest, device, { profile });
  } catch (error) {
    if (error instanceof NoCompatibleArtifactError) return { none: error.attempts };
    throw error;
  }
}

/**
 * Samples per property; mutation testing (scripts/mutation.sh) scales them down with
 * PROPERTY_RUNS_SCALE, since every surviving mutant reruns each property.
 */
function runs(n: number): number {
  return Math.max(10, Math.round(n * Number(process.env.PROPERTY_RUNS_SCALE ?? 1)));
}

describe("properties", () => {
  it("every generated manifest parses", () => {
    fc.assert(
      fc.property(manifestArbitrary, (manifest) => void parseManifest(manifest)),
      { numRuns: runs(200) },
    );
  });

  it("every manifest that parses round-trips through JSON to an equal value", () => {
    let parsed = 0;
    // Valid manifests, and ones with a random field overwritten, so parsing sometimes fails.
    const mutated = fc.tuple(
      manifestArbitrary,
      fc.option(fc.tuple(fc.nat(), fc.jsonValue()), { nil: undefined }),
    );
    fc.assert(
      fc.property(mutated, ([manifest, mutation]) => {
        const json: RawJson = structuredClone(manifest);
        if (mutation !== undefined && json.artifacts.length > 0) {
          const artifact = json.artifacts[mutation[0] % json.artifacts.length];
          const keys = Object.keys(artifact);
          // As a manifest file would hold it: fc.jsonValue() can give -0, which no JSON text written
          // by JSON.stringify carries (it becomes 0), so the round trip could not keep it.
          artifact[keys[mutation[0] % keys.length]!] = JSON.parse(JSON.stringify(mutation[1]));
        }
        let first: Manifest;
        try {
          first = parseManifest(json);
        } catch {
          return;
        }
        parsed++;
        expect(parseManifest(JSON.parse(JSON.stringify(first)))).toEqual(first);
      }),
      { numRuns: runs(300) },
    );
    expect(parsed).toBeGreaterThan(runs(300) / 6); // the property must not hold vacuously
  });

  it("resolution is deterministic: the same answer whatever the order of the artifacts", () => {
    fc.assert(
      fc.property(
        manifestArbitrary,
        deviceArbitrary,
        fc.func(fc.integer()),
        fc.boolean(),
        (manifest, device, order, listProfiles) => {
          const profile = listProfiles ? Object.keys(manifest.profiles).reverse() : undefined;
          const expected = JSON.stringify(resolveOrTables(manifest, device, profile));
          const shuffled = {
            ...manifest,
            artifacts: manifest.artifacts
              .map((artifact, i) => ({ artifact, key: order(i) }))
              .sort((a, b) => a.key - b.key)
              .map(({ artifact }) => artifact),
          };
          expect(JSON.stringify(resolveOrTables(shuffled, device, profile))).toBe(expected);
          expect(JSON.stringify(resolveOrTables(manifest, device, profile))).toBe(expected);
        },
      ),
      { numRuns: runs(300) },
    );
  });

  it("a chosen artifact is always one whose every rule passed, and it is the first candidate", () => {
    fc.assert(
      fc.property(manifestArbitrary, deviceArbitrary, (manifest, device) => {
        const result = resolveOrTables(manifest, device);
        if ("none" in result) {
          for (const attempt of result.none)
            for (const bucket of Object.values(attempt.buckets)) {
              expect(bucket.chosen).toBeNull();
              for (const c of bucket.candidates) expect(c.reasons.length).toBeGreaterThan(0);
            }
          return;
        }
        for (const bucket of Object.values(result.buckets)) {
          if (bucket.chosen === null) expect(bucket.candidates.every((c) => !c.ok)).toBe(true);
          else expect(bucket.candidates[0]).toEqual({ artifact: bucket.chosen, ok: true, reasons: [] });
        }
      }),
      { numRuns: runs(200) },
    );
  });
});

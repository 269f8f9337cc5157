import { type DeviceProfile, parseManifest } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { chooseArtifacts, type ModelPlan } from "../src/model-files/plan-model-load.js";

// The loader hands the chosen artifacts to the runtime in this order: it opens the first one (lazy
// loads) and runs the first whose bucket fits. It must be the registry's bucket order ("08" < "16"
// < "512x512" < "1024"), not a JS object's, which lists integer-like names ("16", "1024") first.

const cpu: DeviceProfile = {
  os: "linux",
  machine: "x86_64",
  cpuIsa: [],
  cuda: null,
  torch: { version: "2.13.0+cpu", cuda: null, cxx11Abi: true },
};
const artifact = (name: string) => ({
  path: `cpu/${name}.pt2`,
  sha256: "b".repeat(64),
  size: 1,
  profile: "fp32",
  bucket: { name, inputs: { x: [1, 8] } },
  target: { device: "cpu", cpuIsa: [], torch: ">=2.13.0 <2.14.0", os: "linux", machine: "x86_64" },
});

describe("chooseArtifacts", () => {
  it("lists the chosen artifacts in the registry's bucket order", () => {
    const manifest = parseManifest({
      format: "aotihub/1",
      name: "m",
      weights: { fp32: { files: ["w.safetensors"] } },
      profiles: { fp32: { weights: "fp32" } },
      artifacts: ["1024", "512x512", "16", "08"].map(artifact),
    });
    // only the fields chooseArtifacts reads: a plan without a lockfile
    const plan = { manifest, profiles: [], locked: null } as unknown as ModelPlan;
    const { chosen } = chooseArtifacts(plan, cpu);
    expect(chosen.map((a) => a.bucket.name)).toEqual(["08", "16", "512x512", "1024"]);
  });
});

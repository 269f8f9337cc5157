import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeResolution, parseIndex, parseManifest, resolveArtifacts } from "@aotihub/registry";
import { describe, expect, it } from "vitest";

const examples = fileURLToPath(new URL("../../../docs/examples/", import.meta.url));
const read = (path: string) => JSON.parse(readFileSync(`${examples}${path}`, "utf8"));

describe("docs/examples", () => {
  const manifests = readdirSync(examples, { recursive: true, encoding: "utf8" }).filter((f) =>
    f.endsWith("aotihub.json"),
  );

  it("holds the FLUX-like DiT, the CPU-only model and an index", () => {
    expect(manifests.sort()).toEqual(["flux-dit/aotihub.json", "tiny-mlp-cpu/aotihub.json"]);
  });

  it.each(manifests)("%s parses", (path) => {
    expect(parseManifest(read(path), path).format).toBe("aotihub/1");
  });

  it("the DiT has bf16 and fp8, three buckets, sm_80/89/90 and CUDA 12.8 and 13.0", () => {
    const manifest = parseManifest(read("flux-dit/aotihub.json"));
    expect(Object.keys(manifest.profiles)).toEqual(["bf16", "fp8"]);
    const cuda = manifest.artifacts.flatMap((a) => (a.target.device === "cuda" ? [a.target] : []));
    expect(new Set(manifest.artifacts.map((a) => a.bucket.name))).toEqual(new Set(["512", "768", "1024"]));
    expect(new Set(cuda.flatMap((t) => t.sass))).toEqual(new Set(["8.0", "8.9", "9.0a"]));
    expect(new Set(cuda.map((t) => t.cuda))).toEqual(new Set(["12.8", "13.0"]));
  });

  it.each([
    ["9.0", "13.0", "fp8", "aoti/cu130-sm90a-torch2.11/fp8/1024.pt2"],
    ["8.9", "12.8", "fp8", "aoti/cu128-sm89-torch2.11/fp8/1024.pt2"], // a CUDA 12.8 driver cannot run CUDA 13 builds (other major)
    ["8.6", "12.8", "bf16", "aoti/cu128-sm80-torch2.11/bf16/1024.pt2"], // fp8 needs 8.9: falls to bf16
    ["12.0", "13.0", "bf16", "aoti/cu130-sm80-ptx-torch2.11/bf16/1024.pt2"], // Blackwell: only the PTX build runs
  ])(
    "the DiT on capability %s with a CUDA %s driver picks %s %s",
    (computeCapability, driverVersion, profile, path) => {
      const device = {
        os: "linux",
        machine: "x86_64",
        cuda: { computeCapability, driverVersion },
        torch: { version: "2.11.0+cu128", cuda: "12.8", cxx11Abi: true },
      };
      const resolution = resolveArtifacts(parseManifest(read("flux-dit/aotihub.json")), device, {
        profile: ["fp8", "bf16"],
      });
      expect(resolution.profile).toBe(profile);
      expect(resolution.buckets["1024"]!.chosen?.path).toBe(path);
      expect(describeResolution(resolution, device)).toContain(`bucket "1024": ${path}`);
    },
  );

  it("the CPU model picks the AVX2 build on an AVX2-only CPU", () => {
    const device = {
      os: "linux",
      machine: "x86_64",
      cpuIsa: ["AVX2"],
      cuda: null,
      torch: { version: "2.13.0+cpu", cuda: null, cxx11Abi: true },
    };
    const resolution = resolveArtifacts(parseManifest(read("tiny-mlp-cpu/aotihub.json")), device);
    expect(Object.values(resolution.buckets).map((b) => b.chosen?.path)).toEqual([
      "aoti/cpu-x86_64-avx2-torch2.13/fp32/b2.pt2",
      "aoti/cpu-x86_64-avx2-torch2.13/fp32/b4.pt2",
      "aoti/cpu-x86_64-avx2-torch2.13/fp32/dyn.pt2",
    ]);
  });

  it("index.json parses", () => {
    expect(Object.keys(parseIndex(read("index.json")).aliases)).toEqual([
      "flux-fp8",
      "flux-bf16",
      "tiny-mlp",
    ]);
  });
});

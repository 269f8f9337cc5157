import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { artifactRuntime, type Manifest, parseManifest } from "@aotihub/registry";
import { beforeAll, describe, expect, it } from "vitest";
import { type ArtifactCheck, checkExportedInPython } from "./support/check-exported.js";
import { runPython } from "./support/python.js";
import { readSafetensorsHeader } from "./support/safetensors-header.js";
import { ensureTestModels, type TestModels } from "./support/test-models.js";

let models: TestModels;
const manifests = new Map<string, Manifest>();
let checks: Record<string, ArtifactCheck[]>;

async function manifestOf(dir: string): Promise<Manifest> {
  const path = join(dir, "aotihub.json");
  return parseManifest(JSON.parse(await readFile(path, "utf8")), path);
}

beforeAll(async () => {
  models = await ensureTestModels();
  for (const [name, dir] of Object.entries(models.models)) manifests.set(name, await manifestOf(dir));
  // Python's aoti_load_package judges the libtorch builds. A standalone build needs the aoti_torch_*
  // functions exported to the global scope, which Python's torch (loaded RTLD_LOCAL) does not do:
  // the native standalone tests judge those (packages/native/test/standalone).
  const libtorchBuilt = [...manifests].filter(([, m]) =>
    m.artifacts.every((a) => artifactRuntime(a) === "libtorch"),
  );
  checks = await checkExportedInPython(
    libtorchBuilt.map(([name]) => models.models[name as keyof TestModels["models"]]),
  );
  // A cold build compiles every test model: minutes on a busy 2-core machine.
}, 900_000);

describe("export helper: test models", () => {
  it("writes a manifest v1 that the registry parses, for every model", () => {
    // beforeAll already ran parseManifest (it throws listing every problem); check the names.
    expect([...manifests.keys()].sort()).toEqual(Object.keys(models.models).sort());
    for (const [name, manifest] of manifests) expect(manifest.name).toBe(name);
    // Python judged every libtorch build; only the standalone ones (each all standalone) were left out.
    const standalone = [...manifests].filter(([, m]) =>
      m.artifacts.every((a) => artifactRuntime(a) === "standalone"),
    );
    expect(Object.keys(checks).length + standalone.length).toBe(manifests.size);
    expect(standalone.map(([name]) => name).every((name) => name.startsWith("standalone-"))).toBe(true);
  });

  it("records the sha256 and size of every package", async () => {
    for (const [name, manifest] of manifests) {
      for (const artifact of manifest.artifacts) {
        const bytes = await readFile(join(models.models[name as keyof TestModels["models"]], artifact.path));
        expect(artifact.size, artifact.path).toBe(bytes.length);
        expect(artifact.sha256, artifact.path).toBe(createHash("sha256").update(bytes).digest("hex"));
      }
    }
  });

  it("reads the target from the package metadata and the compiling torch", () => {
    const [major, minor] = models.torchVersion.split(".").map(Number);
    for (const artifact of manifests.get("tiny-mlp")!.artifacts) {
      expect(artifact.target).toMatchObject({
        device: "cpu",
        torch: `>=${major}.${minor}.0 <${major}.${minor! + 1}.0`,
        os: "linux",
        machine: process.arch === "x64" ? "x86_64" : process.arch,
      });
      expect(artifact.target.device === "cpu" && artifact.target.cpuIsa.length).toBeGreaterThan(0);
      expect(artifact.path).toMatch(/^aoti\/cpu-[a-z0-9_-]+-torch\d+\.\d+\/fp32\/b[24]\.pt2$/);
    }
  });

  it("describes each bucket's input shapes and dtypes in forward() order", () => {
    const multi = manifests.get("multi-io")!.artifacts[0]!;
    expect(Object.keys(multi.bucket.inputs)).toEqual(["a", "b", "ids"]);
    expect(multi.bucket.inputs).toEqual({ a: [3, 8], b: [3, 8], ids: [3] });
    expect(multi.bucket.dtypes).toEqual({ a: "float32", b: "float32", ids: "int64" });
    const bf16 = manifests.get("bf16-mlp")!.artifacts[0]!;
    expect(bf16.profile).toBe("bf16");
    expect(bf16.bucket.dtypes).toEqual({ x: "bfloat16" });
    const dit = manifests.get("tiny-dit")!;
    expect(dit.artifacts.map((a) => a.bucket.name).sort()).toEqual(["16", "64"]);
  });

  it("stores buckets that share constants against one weight set", async () => {
    const mlp = manifests.get("tiny-mlp")!;
    expect(Object.keys(mlp.weights)).toEqual(["fp32"]);
    expect(mlp.artifacts.map((a) => a.weightsOverride)).toEqual([undefined, undefined]);
    const header = await readSafetensorsHeader(join(models.models["tiny-mlp"], mlp.weights.fp32!.files[0]!));
    // Each bucket compiled on its own, yet the containers of both ask for the same FQNs, and the
    // one shared file holds exactly those (inductor may inline tiny constants such as a 4-float
    // bias into the code; then no container asks for them and they are not stored).
    const [b2, b4] = checks["tiny-mlp"]!;
    expect(
      Object.keys(header)
        .filter((k) => k !== "__metadata__")
        .sort(),
    ).toEqual(b2!.needed);
    expect(b2!.needed).toContain("a.weight");
    expect(header["a.weight"]).toMatchObject({ dtype: "F32", shape: [16, 8] });
    expect(b2!.needed).toEqual(b4!.needed);
  });

  it("weight sets hold every constant FQN each package's container asks for", () => {
    for (const [name, reports] of Object.entries(checks)) {
      for (const report of reports) {
        expect(report.needed.length, `${name} ${report.path}`).toBeGreaterThan(0);
        expect(report.missing, `${name} ${report.path}`).toEqual([]);
      }
    }
  });

  it("includes lifted constants that are not in state_dict() and keeps differing ones apart", async () => {
    const dir = models.models["per-bucket-constant"];
    const manifest = manifests.get("per-bucket-constant")!;
    const byBucket = Object.fromEntries(manifest.artifacts.map((a) => [a.bucket.name, a]));
    expect(byBucket.b2!.weightsOverride).toBeUndefined();
    expect(byBucket.b3!.weightsOverride).toBe("fp32.b3");
    const shared = await readSafetensorsHeader(join(dir, manifest.weights.fp32!.files[0]!));
    const override = await readSafetensorsHeader(join(dir, manifest.weights["fp32.b3"]!.files[0]!));
    const lifted = Object.keys(shared).filter((k) => !k.startsWith("proj.") && k !== "__metadata__");
    expect(lifted.length).toBeGreaterThan(0);
    for (const fqn of lifted) {
      // Same FQN, the shape of each bucket's batch: [2, 1] shared (b2), [3, 1] for b3 only.
      expect(shared[fqn]).toMatchObject({ dtype: "F32", shape: [2, 1] });
      expect(override[fqn]).toMatchObject({ dtype: "F32", shape: [3, 1] });
    }
    expect(Object.keys(override).filter((k) => k !== "__metadata__")).toEqual(lifted);
  });

  it("Python: aoti_load_package + user-managed constants reproduce the eager outputs", () => {
    for (const [name, reports] of Object.entries(checks)) {
      const manifest = manifests.get(name)!;
      for (const report of reports) {
        const profile = manifest.artifacts.find((a) => a.path === report.path)!.profile;
        const label = `${name} ${report.path}`;
        expect(report.outputCount, label).toBeDefined();
        expect(report.outputCount![0], label).toBe(report.outputCount![1]);
        for (const output of report.outputs) {
          expect(output.sameMeta, label).toBe(true);
          // Fused kernels may round differently from eager: float tolerances, tight for fp32.
          expect(output.relError!, label).toBeLessThanOrEqual(profile === "bf16" ? 1e-2 : 1e-5);
        }
      }
    }
    expect(checks["multi-io"]![0]!.outputs).toHaveLength(3);
  });

  it("exports a dynamic dimension as [min, max] and the package serves the whole range", async () => {
    const manifest = manifests.get("dynamic-mlp")!;
    const artifact = manifest.artifacts[0]!;
    expect(artifact.bucket.inputs).toEqual({ x: [[1, 16], 8] });
    const script = `
import json, sys, torch
from safetensors.torch import load_file
from aotihub_export import load_specs
repo = sys.argv[1]
eager = load_specs("test/models/dynamic_mlp.py", "cpu")[0].module.eval()
compiled = torch._inductor.aoti_load_package(repo + "/${artifact.path}")
compiled.load_constants(load_file(repo + "/weights/fp32/model.safetensors"), check_full_update=True, user_managed=True)
errors = {}
with torch.no_grad():
    for n in (1, 7, 16):
        x = torch.randn(n, 8)
        errors[n] = (compiled(x) - eager(x)).abs().max().item()
print(json.dumps(errors))`;
    const { stdout } = await runPython(["-c", script, models.models["dynamic-mlp"]]);
    const errors = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, number>;
    expect(Object.keys(errors)).toEqual(["1", "7", "16"]);
    for (const error of Object.values(errors)) expect(error).toBeLessThanOrEqual(1e-5);
  });

  it("writes io files with named inputs and numbered eager outputs", async () => {
    const header = await readSafetensorsHeader(join(models.models["multi-io"], "io", "b3.safetensors"));
    expect(
      Object.keys(header)
        .filter((k) => k !== "__metadata__")
        .sort(),
    ).toEqual(["input.a", "input.b", "input.ids", "output.0", "output.1", "output.2"]);
    expect(header["input.ids"]).toMatchObject({ dtype: "I64", shape: [3] });
  });
});

describe("export helper: determinism", () => {
  it("rebuilding the same model gives the same manifest and weight bytes", async () => {
    const out = await mkdtemp(join(tmpdir(), "aotihub-export-"));
    try {
      await runPython(["-m", "aotihub_export", "--spec", "test/models/tiny_mlp.py", "--out", out, "--io"]);
      const original = models.models["tiny-mlp"];
      expect(await readFile(join(out, "aotihub.json"), "utf8")).toBe(
        await readFile(join(original, "aotihub.json"), "utf8"),
      );
      for (const rel of ["weights/fp32/model.safetensors", "io/b2.safetensors", "io/b4.safetensors"]) {
        expect((await readFile(join(out, rel))).equals(await readFile(join(original, rel))), rel).toBe(true);
      }
      await expect(stat(join(out, ".staging"))).rejects.toThrow();
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});

import { ManifestError, parseIndex, parseManifest } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { cudaArtifact, manifestOf, type RawJson } from "./support/builders.js";

function problemsOf(json: unknown): { path: string; message: string }[] {
  try {
    parseManifest(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    const manifestError = error as ManifestError;
    expect(manifestError.code).toBe("AOTIHUB_MANIFEST_INVALID");
    return manifestError.problems.map((p) => ({ path: p.path.join("."), message: p.message }));
  }
  throw new Error("expected the manifest to be rejected");
}

const valid = () =>
  JSON.parse(
    JSON.stringify(
      manifestOf(
        [
          cudaArtifact("aoti/cu130-sm90-torch2.11/bf16/1024.pt2"),
          cudaArtifact("aoti/cu130-sm89-torch2.11/bf16/1024.pt2", { sass: ["8.9"] }),
        ],
        { bf16: { weights: "bf16" }, fp8: { weights: "fp8", requires: { computeCapability: ">=8.9" } } },
      ),
    ),
  );

describe("parseManifest", () => {
  it("accepts the issue's example shape and fills kernels with []", () => {
    const json = valid();
    delete json.artifacts[0].kernels;
    const manifest = parseManifest(json);
    expect(manifest.artifacts[0]!.kernels).toEqual([]);
    expect(manifest.profiles.fp8!.requires).toEqual({ computeCapability: ">=8.9" });
  });

  it("lists every problem of a bad manifest with its JSON path, not just the first", () => {
    const json = valid();
    json.format = "aotihub/2"; // unknown format
    json.name = 42; // wrong type
    json.profiles.fp8.weights = "int4"; // profile naming missing weights
    json.artifacts[0].sha256 = "ABC123"; // malformed sha256
    json.artifacts[0].size = -1; // negative size
    json.artifacts[1].path = json.artifacts[0].path; // duplicate path
    json.artifacts[1].profile = "fp16"; // artifact naming a missing profile
    json.artifacts[1].bucket.inputs.hidden_states = [1, "1024", 64]; // wrong type deep inside
    const problems = problemsOf(json);
    const at = (path: string) => problems.filter((p) => p.path === path).map((p) => p.message);
    expect(at("format")[0]).toContain('unknown manifest format "aotihub/2"; this aotihub reads "aotihub/1"');
    expect(at("name")).toHaveLength(1);
    expect(at("profiles.fp8.weights")[0]).toBe(
      'names weight set "int4", which is not in weights ("bf16", "fp8")',
    );
    expect(at("artifacts.0.sha256")[0]).toBe(
      'expected a sha256 of 64 lowercase hex digits but received "ABC123"',
    );
    expect(at("artifacts.0.size")[0]).toBe("expected a size in bytes >= 0 but received -1");
    expect(at("artifacts.1.path")[0]).toContain("is also the path of artifacts[0]");
    expect(at("artifacts.1.profile")[0]).toBe(
      'names profile "fp16", which is not in profiles ("bf16", "fp8")',
    );
    expect(at("artifacts.1.bucket.inputs.hidden_states.1")).toHaveLength(1);
    expect(problems).toHaveLength(8);
  });

  it("prints every problem with a readable path in the error message", () => {
    const json = valid();
    json.artifacts[1].sha256 = "nothex";
    json.artifacts[1].target.device = "tpu";
    expect(() => parseManifest(json, "org/model@main")).toThrow(
      /Invalid aotihub.json manifest \(org\/model@main\): 2 problems\n {2}- artifacts\[1\]\.sha256: .*\n {2}- artifacts\[1\]\.target\.device: expected target\.device to be "cuda" or "cpu"/,
    );
  });

  it.each([
    [
      "a path that leaves the repo",
      (j: RawJson) => (j.artifacts[0].path = "../../etc/passwd"),
      "artifacts.0.path",
    ],
    ["an absolute path", (j: RawJson) => (j.artifacts[0].path = "/abs.pt2"), "artifacts.0.path"],
    [
      "a weight file with backslashes",
      (j: RawJson) => (j.weights.bf16.files = ["w\\model.safetensors"]),
      "weights.bf16.files.0",
    ],
    ["an empty weight set", (j: RawJson) => (j.weights.bf16.files = []), "weights.bf16.files"],
    [
      "a weightsOverride naming a missing weight set",
      (j: RawJson) => (j.artifacts[0].weightsOverride = "bf16-1024"),
      "artifacts.0.weightsOverride",
    ],
    [
      "a constant shape that is not a list of sizes",
      (j: RawJson) => (j.artifacts[0].constants = { "a.weight": [16, -8] }),
      "artifacts.0.constants.a.weight.1",
    ],
    [
      "a bad SASS arch",
      (j: RawJson) => (j.artifacts[0].target.sass = ["sm_90"]),
      "artifacts.0.target.sass.0",
    ],
    [
      "a CUDA target with no code",
      (j: RawJson) => Object.assign(j.artifacts[0].target, { sass: [], ptx: null }),
      "artifacts.0.target",
    ],
    [
      "a torch range that is not semver",
      (j: RawJson) => (j.artifacts[0].target.torch = "two point eleven"),
      "artifacts.0.target.torch",
    ],
    [
      "a dynamic dim with min > max",
      (j: RawJson) => (j.artifacts[0].bucket.inputs.hidden_states = [[4, 1], 1024, 64]),
      "artifacts.0.bucket.inputs.hidden_states.0",
    ],
    [
      "a dtype for an unknown input",
      (j: RawJson) => (j.artifacts[0].bucket.dtypes = { latents: "bfloat16" }),
      "artifacts.0.bucket.dtypes.latents",
    ],
    [
      "an unknown dtype",
      (j: RawJson) => (j.artifacts[0].bucket.dtypes = { hidden_states: "bf16" }),
      "artifacts.0.bucket.dtypes.hidden_states",
    ],
    [
      "a kernel with both version and revision",
      (j: RawJson) =>
        (j.artifacts[0].kernels = [{ repo: "kernels-community/flash-attn3", version: 1, revision: "abc" }]),
      "artifacts.0.kernels.0",
    ],
    [
      "a profile name with a slash",
      (j: RawJson) => (j.profiles["fp8/x"] = { weights: "fp8" }),
      "profiles.fp8/x",
    ],
    [
      "a bad capability requirement",
      (j: RawJson) => (j.profiles.fp8.requires.computeCapability = "hopper"),
      "profiles.fp8.requires.computeCapability",
    ],
  ])("rejects %s at its path", (_name, mutate, path) => {
    const json = valid();
    mutate(json);
    expect(problemsOf(json).map((p) => p.path)).toContain(path);
  });

  it("rejects two builds of one bucket that take different inputs", () => {
    const json = valid();
    json.artifacts[1].bucket.inputs.hidden_states = [1, 2048, 64];
    expect(problemsOf(json)).toEqual([
      {
        path: "artifacts.1.bucket",
        message: expect.stringContaining('bucket "1024" of profile "bf16" declares other inputs'),
      },
    ]);
  });

  it("accepts dynamic dims and dtypes", () => {
    const json = valid();
    for (const artifact of json.artifacts) {
      artifact.bucket.inputs = { x: [[1, 64], 8] };
      artifact.bucket.dtypes = { x: "float32" };
    }
    expect(parseManifest(json).artifacts[0]!.bucket).toEqual({
      name: "1024",
      inputs: { x: [[1, 64], 8] },
      dtypes: { x: "float32" },
    });
  });

  it("rejects what is not an object at all", () => {
    expect(problemsOf(null)).toEqual([{ path: "", message: expect.any(String) }]);
    expect(problemsOf([])).toHaveLength(1);
  });
});

describe("parseIndex", () => {
  it("reads aliases", () => {
    const index = parseIndex({
      format: "aotihub-index/1",
      aliases: { "flux-fp8": { repo: "org/name", profile: "fp8", revision: "main" } },
    });
    expect(index.aliases["flux-fp8"]).toEqual({ repo: "org/name", profile: "fp8", revision: "main" });
  });

  it("lists every problem with its path", () => {
    try {
      parseIndex({
        format: "aotihub-index/9",
        aliases: { "Bad Alias": { repo: "x" }, ok: { repo: "org/name", profile: 3 } },
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).code).toBe("AOTIHUB_INDEX_INVALID");
      const paths = (error as ManifestError).problems.map((p) => p.path.join("."));
      expect(paths).toEqual(expect.arrayContaining(["format", "aliases.Bad Alias", "aliases.ok.profile"]));
    }
  });
});

import {
  formatJsonPath,
  MAX_REPO_PATH_LENGTH,
  ManifestError,
  parseIndex,
  parseManifest,
  repoPathProblem,
  unsafeRepoPathReason,
} from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { cudaArtifact, manifestOf, type RawJson } from "./support/builders.js";

// The exact words of every manifest problem: a publisher reads them to fix a manifest, so each
// reason, path and list of names is pinned here, not only the path it is reported at.

function problemsOf(json: unknown): { path: string; message: string }[] {
  try {
    parseManifest(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).problems.map((p) => ({
      path: formatJsonPath(p.path),
      message: p.message,
    }));
  }
  throw new Error("expected the manifest to be rejected");
}

const valid = (): RawJson =>
  JSON.parse(JSON.stringify(manifestOf([cudaArtifact("aoti/cu130-sm90-torch2.11/bf16/1024.pt2")])));

describe("unsafeRepoPathReason", () => {
  it.each([
    ["", "an empty path"],
    ["a".repeat(MAX_REPO_PATH_LENGTH + 1), `a path longer than ${MAX_REPO_PATH_LENGTH} characters`],
    ["a\0b", "a NUL character"],
    ["a\\b", "a backslash (Windows separator)"],
    ["/a/b", "an absolute path"],
    ["c:/a", "a drive letter"],
    ["Z:x", "a drive letter"],
    ["a/../b", "a '..' segment (path traversal)"],
    ["./a", "a '.' segment"],
    ["a//b", "an empty path segment"],
    ["a/b/", "an empty path segment"],
  ])("%j is refused as %s", (path, reason) => {
    expect(unsafeRepoPathReason(path)).toBe(reason);
  });

  it.each([
    "a".repeat(MAX_REPO_PATH_LENGTH),
    "weights/model.safetensors",
    "a/b:c", // a colon past the first segment is no drive letter
    "1:x", // nor is a digit before it
    "a./.b/..c", // dots inside a name are not '.' or '..' segments
  ])("%j is a plain relative path", (path) => {
    expect(unsafeRepoPathReason(path)).toBeNull();
    expect(repoPathProblem(path)).toBeNull();
  });

  it("says what to do in the manifest's words", () => {
    expect(repoPathProblem("/abs.pt2")).toBe(
      '"/abs.pt2" is not a plain relative path (an absolute path); give a path relative to the repo root with "/" between folders',
    );
    const json = valid();
    json.artifacts[0].path = "../x.pt2";
    expect(problemsOf(json)).toEqual([
      {
        path: "artifacts[0].path",
        message:
          'path "../x.pt2" is not a plain relative path (a \'..\' segment (path traversal)); give a path relative to the repo root with "/" between folders',
      },
    ]);
  });
});

describe("formatJsonPath", () => {
  it.each([
    [[], "(root)"],
    [["artifacts", 2, "sha256"], "artifacts[2].sha256"],
    [[0, "x"], "[0].x"],
    [["weights", "my-set", "files"], 'weights["my-set"].files'],
    [["profiles", "1a"], 'profiles["1a"]'],
    [["_x", "$y", "z9"], "_x.$y.z9"],
    [["a b"], '["a b"]'],
  ] as const)("%j -> %s", (path, text) => {
    expect(formatJsonPath(path)).toBe(text);
  });
});

describe("ManifestError", () => {
  it("counts one problem in the singular, names the source and says what to do", () => {
    const json = valid();
    json.artifacts[0].size = -1;
    let error: ManifestError | undefined;
    try {
      parseManifest(json, "org/model@main");
    } catch (e) {
      error = e as ManifestError;
    }
    expect(error?.kind).toBe("manifest");
    expect(error?.code).toBe("AOTIHUB_MANIFEST_INVALID");
    expect(error?.message).toBe(
      "Invalid aotihub.json manifest (org/model@main): 1 problem\n" +
        "  - artifacts[0].size: expected a size in bytes >= 0 but received -1\n" +
        "  what to do: fix the fields listed above (docs/hub-convention.md describes each one) and publish again",
    );
  });

  it("an alias index without a source: its own code, words and hint", () => {
    let error: ManifestError | undefined;
    try {
      parseIndex({ format: "aotihub-index/2", aliases: { ok: { repo: "org/name" } } });
    } catch (e) {
      error = e as ManifestError;
    }
    expect(error?.kind).toBe("index");
    expect(error?.code).toBe("AOTIHUB_INDEX_INVALID");
    expect(error?.message).toBe(
      "Invalid aotihub alias index: 1 problem\n" +
        '  - format: unknown index format "aotihub-index/2"; this aotihub reads "aotihub-index/1" (a newer format needs a newer aotihub)\n' +
        "  what to do: fix the aliases listed above (docs/hub-convention.md, section on the alias index)",
    );
  });
});

describe("schema messages", () => {
  it.each([
    [
      "a torch range that is not semver",
      (j: RawJson) => (j.artifacts[0].target.torch = "two"),
      "artifacts[0].target.torch",
      'expected a torch version range as a semver range (e.g. ">=2.11.0 <2.12.0") but received "two"',
    ],
    [
      "a bad SASS arch",
      (j: RawJson) => (j.artifacts[0].target.sass = ["sm_90"]),
      "artifacts[0].target.sass[0]",
      'expected a CUDA architecture like "8.0", "9.0a" or "10.0f" but received "sm_90"',
    ],
    [
      "an unknown dtype",
      (j: RawJson) => (j.artifacts[0].bucket.dtypes = { hidden_states: "bf16" }),
      "artifacts[0].bucket.dtypes.hidden_states",
      'expected a torch dtype name (float32, float16, bfloat16, float8_e4m3fn, float8_e5m2, int64, int32, int8, uint8, bool) but received "bf16"',
    ],
    [
      "a dtype for an input the bucket does not have",
      (j: RawJson) => (j.artifacts[0].bucket.dtypes = { latents: "bfloat16" }),
      "artifacts[0].bucket.dtypes.latents",
      'names input "latents", which is not in bucket.inputs (hidden_states)',
    ],
    [
      "a dtype in a bucket without inputs",
      (j: RawJson) => {
        j.artifacts[0].bucket.inputs = {};
        j.artifacts[0].bucket.dtypes = { x: "int8" };
      },
      "artifacts[0].bucket.dtypes.x",
      'names input "x", which is not in bucket.inputs (none)',
    ],
  ])("%s", (_, mutate, path, message) => {
    const json = valid();
    mutate(json);
    expect(problemsOf(json)).toEqual([{ path, message }]);
  });
});

describe("cross-field references", () => {
  it("a manifest with no weight sets says so, and a weightsOverride names what exists", () => {
    const json = valid();
    json.weights = {};
    json.artifacts[0].weightsOverride = "bf16-1024";
    expect(problemsOf(json)).toEqual([
      {
        path: "profiles.bf16.weights",
        message: 'names weight set "bf16", which is not in weights (none defined)',
      },
      {
        path: "artifacts[0].weightsOverride",
        message: 'names weight set "bf16-1024", which is not in weights (none defined)',
      },
    ]);
  });

  it("a profile or artifact that is not an object is a shape problem only, never a crash", () => {
    const json = valid();
    json.profiles.odd = "bf16";
    json.artifacts.push(7);
    expect(problemsOf(json)).toEqual([
      { path: "profiles.odd", message: expect.stringContaining("expected object") },
      { path: "artifacts[1]", message: expect.stringContaining("expected object") },
    ]);
  });

  it("a profile without a weights name is reported once, by the schema", () => {
    const json = valid();
    json.profiles.bf16 = {};
    expect(problemsOf(json)).toEqual([
      { path: "profiles.bf16.weights", message: expect.stringContaining("expected string") },
    ]);
  });

  it("an artifact without a path or profile does not stand in for a missing one", () => {
    const json = valid();
    json.artifacts.push({ ...json.artifacts[0] });
    delete json.artifacts[1].path;
    delete json.artifacts[1].profile;
    expect(problemsOf(json).map((p) => p.path)).toEqual(["artifacts[1].path", "artifacts[1].profile"]);
  });

  it("builds of a bucket in different profiles, or without a bucket name, are not compared", () => {
    const json = JSON.parse(
      JSON.stringify(
        manifestOf(
          [
            cudaArtifact("a.pt2"),
            cudaArtifact("b.pt2", {}, { profile: "fp8", bucket: { name: "1024", inputs: { x: [2] } } }),
          ],
          { bf16: { weights: "bf16" }, fp8: { weights: "fp8" } },
        ),
      ),
    );
    expect(parseManifest(json).artifacts).toHaveLength(2);
    json.artifacts[1].profile = "bf16";
    json.artifacts[1].bucket.name = 5;
    expect(problemsOf(json).map((p) => p.path)).toEqual(["artifacts[1].bucket.name"]);
  });

  it("two builds of one bucket agree whatever the order of their keys; dtypes absent is not dtypes {}", () => {
    const json = valid();
    json.artifacts[0].bucket = { name: "b", inputs: { x: [1], y: [2] }, dtypes: { x: "int8", y: "int8" } };
    json.artifacts.push({
      ...json.artifacts[0],
      path: "other.pt2",
      bucket: { dtypes: { y: "int8", x: "int8" }, inputs: { y: [2], x: [1] }, name: "b" },
    });
    expect(parseManifest(json).artifacts).toHaveLength(2);
    json.artifacts[1].bucket = { name: "b", inputs: { x: [1], y: [2] }, dtypes: {} };
    delete json.artifacts[0].bucket.dtypes;
    expect(problemsOf(json)).toEqual([
      {
        path: "artifacts[1].bucket",
        message:
          'bucket "b" of profile "bf16" declares other inputs or dtypes than artifacts[0].bucket; every build of one bucket must take the same inputs',
      },
    ]);
  });
});

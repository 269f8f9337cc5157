import { describe, expect, it } from "vitest";
import { formatModelRef, parseModelRef } from "../../src/names/parse-model-ref.js";

describe("parseModelRef", () => {
  it.each([
    ["flux-fp8", { kind: "alias", name: "flux-fp8" }],
    ["org/tiny-dit", { kind: "repo", repo: "org/tiny-dit" }],
    ["org/tiny-dit:fp8", { kind: "repo", repo: "org/tiny-dit", profile: "fp8" }],
    ["org/tiny-dit@v1.2", { kind: "repo", repo: "org/tiny-dit", revision: "v1.2" }],
    [
      "org/tiny.dit_2:bf16@refs/pr/3",
      { kind: "repo", repo: "org/tiny.dit_2", profile: "bf16", revision: "refs/pr/3" },
    ],
  ])("parses %s", (text, expected) => {
    expect(parseModelRef(text)).toEqual(expected);
    expect(formatModelRef(parseModelRef(text))).toBe(text);
  });

  it.each([
    "org/na--me",
    "org/name.git",
    "a/b/c",
    "org/",
    "/name",
    "org/name:",
    "org/name@",
    "org/name@../x",
    "-bad",
    "org/.hidden",
    "",
  ])("refuses %j with AOTIHUB_BAD_REF saying what forms exist", (text) => {
    expect(() => parseModelRef(text)).toThrowError(expect.objectContaining({ code: "AOTIHUB_BAD_REF" }));
    try {
      parseModelRef(text);
    } catch (error) {
      expect((error as Error).message).toContain("org/name[:profile][@revision]");
    }
  });
});

import { describe, expect, it } from "vitest";
import { InvalidRepoIdError, isRepoName, isRepoNamePart, parseRepoId } from "../src/index.js";

// huggingface_hub's validate_repo_id, as the loader and the local Hub both apply it.
describe("the repo-id rule", () => {
  it.each(["org/name", "kernels-community/flash-attn3", "a_b/c.d", "Org/Name-1.0"])("accepts %s", (id) => {
    expect(isRepoName(id)).toBe(true);
    expect(parseRepoId(id, "kernel")).toEqual({ type: "kernel", name: id });
  });

  it.each([
    "name",
    "a/b/c",
    "org/-name",
    "org/name.",
    "org/na--me",
    "org/na..me",
    "org/name.git",
    "../etc",
    "org/",
    `org/${"x".repeat(97)}`,
    "org/na me",
  ])("refuses %s with AOTIHUB_INVALID_REPO_ID", (id) => {
    expect(isRepoName(id)).toBe(false);
    expect(() => parseRepoId(id)).toThrow(InvalidRepoIdError);
  });

  it("never accepts a part that could leave its folder", () => {
    for (const part of ["..", ".", "", "a/b", ".hidden"]) expect(isRepoNamePart(part)).toBe(false);
  });
});

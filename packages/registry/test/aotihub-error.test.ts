import { describe, expect, it } from "vitest";
import { AotihubError, isAotihubError } from "../src/errors/aotihub-error.js";

describe("AotihubError", () => {
  it("carries a stable code and says what was expected, what came and what to do", () => {
    const error = new AotihubError("AOTIHUB_BAD_REF", "Bad thing", {
      expected: "a number",
      received: "fail (string)",
      hint: "pass a number",
    });
    expect(error.code).toBe("AOTIHUB_BAD_REF");
    expect(error.name).toBe("AotihubError");
    expect(error.message).toBe(
      "Bad thing\n  expected: a number\n  received: fail (string)\n  what to do: pass a number",
    );
    expect(isAotihubError(error)).toBe(true);
  });

  it("recognises a look-alike from another copy of the package by its code alone", () => {
    const foreign = Object.assign(new Error("x"), { code: "AOTIHUB_OTHER" });
    expect(isAotihubError(foreign)).toBe(true);
    expect(isAotihubError(Object.assign(new Error("x"), { code: "ENOENT" }))).toBe(false);
  });
});

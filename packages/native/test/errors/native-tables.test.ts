import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_CODES } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { aotihubCodeOf, NATIVE_CODES } from "../../lib/errors/native-codes.js";
import { DTYPES, TORCH_DTYPE_NAMES } from "../../lib/tensor/dtypes.js";

// C++ repeats two tables the TS side owns: the codes it throws and the dtype rows. These checks read
// the C++ sources as text, so a code or dtype added on one side only fails here, not in production.
const src = fileURLToPath(new URL("../../src/", import.meta.url));
const cppSources = readdirSync(src, { recursive: true, encoding: "utf8" })
  .filter((name) => /\.(cc|h)$/.test(name))
  .map((name) => ({ name, text: readFileSync(join(src, name), "utf8") }));

describe("the native code table", () => {
  const thrown = new Set(cppSources.flatMap(({ text }) => text.match(/"NATIVE_[A-Z0-9_]+"/g) ?? []));
  const thrownCodes = [...thrown].map((literal) => literal.slice(1, -1)).sort();

  it("has a row for every code the C++ sources throw, and no row they do not throw", () => {
    expect(thrownCodes.length).toBeGreaterThan(10);
    expect(thrownCodes).toEqual(Object.keys(NATIVE_CODES).sort());
  });

  it("maps every native code to a specific AOTIHUB code, at every seam", () => {
    for (const code of Object.keys(NATIVE_CODES)) {
      for (const seam of ["load", "run", "map"] as const) {
        expect(Object.hasOwn(ERROR_CODES, aotihubCodeOf(code, seam)), `${code} ${seam}`).toBe(true);
      }
    }
    expect(aotihubCodeOf("NATIVE_OOM", "run")).toBe("AOTIHUB_OUT_OF_MEMORY");
    expect(aotihubCodeOf("NATIVE_CUDA", "run")).toBe("AOTIHUB_CUDA_FAILED");
    expect(aotihubCodeOf("NATIVE_NOT_FOUND", "map")).toBe("AOTIHUB_MMAP_NOT_FOUND");
  });
});

describe("the C++ dtype table", () => {
  const dtypeCc = cppSources.find(({ name }) => name === "backend/dtype.cc")?.text ?? "";
  const backendH = cppSources.find(({ name }) => name === "backend/tensor-backend.h")?.text ?? "";

  it("repeats the TS dtype table row by row: same names, same order, same sizes", () => {
    const rows = /kRows\[\]\s*=\s*\{([\s\S]*?)\};/.exec(dtypeCc)?.[1] ?? "";
    const cpp = [...rows.matchAll(/\{"(\w+)",\s*(\d+)\}/g)].map((m) => [m[1], Number(m[2])]);
    expect(cpp).toEqual(TORCH_DTYPE_NAMES.map((name) => [name, DTYPES[name].itemSize]));
  });

  it("has one DType enumerator per row", () => {
    const body = /enum class DType[^{]*\{([^}]*)\}/.exec(backendH)?.[1] ?? "";
    const enumerators = body
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "" && part !== "Count");
    expect(enumerators.length).toBe(TORCH_DTYPE_NAMES.length);
  });
});

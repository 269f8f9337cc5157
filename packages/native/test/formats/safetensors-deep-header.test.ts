import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../lib/formats/safetensors/index.js";
import { rejection, withTempDir } from "./support/fixtures.js";
import { buildSafetensors } from "./support/safetensors-builder.js";

// Found by bench/reliability-hostile-files.ts: JSON.parse accepts nesting that JSON.stringify cannot
// walk, so describing the bad value in the error threw a bare RangeError instead.
describe("a safetensors header nested deeper than JSON.stringify can walk", () => {
  it.each([
    ["a tensor entry", `{"w": ${"[".repeat(10_000)}${"]".repeat(10_000)}}`],
    [
      "a shape",
      `{"w": {"dtype": "F32", "shape": ${"[".repeat(10_000)}${"]".repeat(10_000)}, "data_offsets": [0, 16]}}`,
    ],
  ])("in %s is a typed error", async (_, rawHeader) => {
    const error = await withTempDir(async (dir) => {
      const path = join(dir, "deep.safetensors");
      const tensor = { name: "w", dtype: "F32", shape: [2, 2], data: new Uint8Array(16) };
      await writeFile(path, buildSafetensors([tensor], { rawHeader }));
      return rejection(readSafetensors(path));
    });
    expect(error.code).toBe("AOTIHUB_SAFETENSORS_INVALID");
    expect(error.message).toContain("nested too deep");
  });
});

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { binding } from "../../lib/binding.js";
import { parseElfDynamic } from "../../lib/formats/elf/index.js";

// Issue 13 on CUDA: the aoti_torch_* functions the standalone CUDA builds need, read with nm on an
// H200 (fixtures/cuda-shim-symbols.json, written from a GPU slot's symbols.json), are exported by
// the addon built here. The one aten call there (cuDNN attention, in the DiT builds the export
// helper refused) is what the export now decomposes; it must stay outside the shim.
const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL("./fixtures/cuda-shim-symbols.json", import.meta.url)), "utf8"),
) as { packages: Record<string, { needed: string[]; aoti: string[] }> };
const ATEN_CALL = /^aoti_torch_cuda_/;

describe("the shim covers what CUDA standalone builds need (measured on an H200)", () => {
  const exported = new Set(parseElfDynamic(readFileSync(binding().addonPath())).defined);
  const packages = Object.entries(fixture.packages);

  it("every bookkeeping function any of them needs is exported by the addon", () => {
    expect(packages.length).toBeGreaterThanOrEqual(6);
    const needed = new Set(packages.flatMap(([, p]) => p.aoti).filter((s) => !ATEN_CALL.test(s)));
    expect(needed.size).toBeGreaterThan(20);
    expect([...needed].filter((s) => !exported.has(s))).toEqual([]);
  });

  it("the builds that were published need no aten call and no libtorch; the refused ones needed cuDNN attention", () => {
    for (const [name, p] of packages) {
      expect(
        p.needed.filter((n) => /^lib(torch|c10)/.test(n)),
        name,
      ).toEqual([]);
      const aten = p.aoti.filter((s) => ATEN_CALL.test(s));
      if (name.includes("/.staging/"))
        expect(aten, name).toEqual(["aoti_torch_cuda__scaled_dot_product_cudnn_attention"]);
      else expect(aten, name).toEqual([]);
      expect(exported.has("aoti_torch_cuda__scaled_dot_product_cudnn_attention")).toBe(false);
    }
  });

  it("the fp8 DiT and the conv models were published standalone; fp8 adds only its dtype code, and none calls copy_", () => {
    const fp8 = fixture.packages["standalone-dit-tiny/aoti/cu130-sm90-torch2.11-standalone/fp8/64.pt2"];
    const decoder =
      fixture.packages["standalone-conv-decoder/aoti/cu130-sm90-torch2.11-standalone/bf16/32x32.pt2"];
    expect(fp8?.aoti).toContain("aoti_torch_dtype_float8_e4m3fn");
    expect(decoder?.aoti.length).toBeGreaterThan(20);
    // the bf16 DiT of the same size, refused for cuDNN attention then, needed the rest
    const bf16 = fixture.packages["standalone-dit-tiny/.staging/bf16/64.pt2"]!.aoti.filter(
      (s) => !ATEN_CALL.test(s),
    );
    expect(fp8!.aoti.filter((s) => !bf16.includes(s))).toEqual([
      "aoti_torch_dtype_float32",
      "aoti_torch_dtype_float8_e4m3fn",
    ]);
    for (const [name, p] of packages) expect(p.aoti, name).not.toContain("aoti_torch_copy_");
  });
});

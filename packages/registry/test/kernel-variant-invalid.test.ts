import { isAotihubError, parseKernelVariant } from "@aotihub/registry";
import { describe, expect, it } from "vitest";

// AOTIHUB_KERNEL_VARIANT_INVALID carries the kernels library's own message, word for word
// (kernels/variants.py `parse_variant`), for each part of the grammar that can be wrong.

function refusalOf(name: string): { code: string; message: string } {
  try {
    parseKernelVariant(name);
  } catch (error) {
    if (!isAotihubError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error(`${name} parsed`);
}

describe("parseKernelVariant refuses names outside kernels' grammar", () => {
  it("a torch version that is not torchXY", () => {
    expect(refusalOf("torchX-cxx11-cu128-x86_64-linux")).toEqual({
      code: "AOTIHUB_KERNEL_VARIANT_INVALID",
      message: "Invalid Torch variant string: 'torchX-cxx11'",
    });
  });

  it("a stable-ABI version that is not two numbers", () => {
    expect(refusalOf("torch-stable-abiX-cu128-x86_64-linux").code).toBe("AOTIHUB_KERNEL_VARIANT_INVALID");
    expect(refusalOf("torch-stable-abiX-cu128-x86_64-linux").message).toContain("'torch-stable-abiX'");
  });

  it("a well-formed name still parses (the control)", () => {
    expect(parseKernelVariant("torch28-cxx11-cu128-x86_64-linux")).toMatchObject({
      kind: "arch",
      framework: { kind: "torch", major: 2, minor: 8 },
    });
  });
});

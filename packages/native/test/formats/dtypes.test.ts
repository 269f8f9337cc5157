import { isAotihubError } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import {
  DTYPES,
  dtypeFromSafetensors,
  isTorchDtypeName,
  itemSizeOf,
  type TensorData,
  TORCH_DTYPE_NAMES,
  type TorchDtypeName,
  typedArrayFor,
} from "../../lib/tensor/dtypes.js";

describe("DTYPES", () => {
  it("maps every torch dtype to its safetensors code, item size and JS array", () => {
    expect(
      TORCH_DTYPE_NAMES.map((n) => [n, DTYPES[n].safetensors, DTYPES[n].itemSize, DTYPES[n].typedArray.name]),
    ).toEqual([
      ["float32", "F32", 4, "Float32Array"],
      ["float16", "F16", 2, "Uint16Array"],
      ["bfloat16", "BF16", 2, "Uint16Array"],
      ["float8_e4m3fn", "F8_E4M3", 1, "Uint8Array"],
      ["float8_e5m2", "F8_E5M2", 1, "Uint8Array"],
      ["int64", "I64", 8, "BigInt64Array"],
      ["int32", "I32", 4, "Int32Array"],
      ["int8", "I8", 1, "Int8Array"],
      ["uint8", "U8", 1, "Uint8Array"],
      ["bool", "BOOL", 1, "Uint8Array"],
    ]);
  });

  it("has an item size equal to the JS array's element size", () => {
    for (const name of TORCH_DTYPE_NAMES) {
      expect(DTYPES[name].typedArray.BYTES_PER_ELEMENT).toBe(itemSizeOf(name));
    }
  });

  it("round-trips safetensors codes and refuses unknown ones", () => {
    for (const name of TORCH_DTYPE_NAMES) expect(dtypeFromSafetensors(DTYPES[name].safetensors)).toBe(name);
    for (const code of ["F64", "U16", "I16", "f32", "", "toString", "__proto__"]) {
      expect(dtypeFromSafetensors(code)).toBeNull();
    }
  });

  it("recognises torch dtype names only", () => {
    expect(isTorchDtypeName("bfloat16")).toBe(true);
    expect(isTorchDtypeName("float64")).toBe(false);
    expect(isTorchDtypeName("constructor")).toBe(false);
    expect(isTorchDtypeName(6)).toBe(false);
  });
});

describe("typedArrayFor", () => {
  it("views the same memory without copying", () => {
    const bytes = new Uint8Array(16);
    const view = typedArrayFor("float32", bytes.buffer, 4, 3);
    expect(view).toBeInstanceOf(Float32Array);
    view[0] = 1;
    expect(Array.from(bytes.subarray(4, 8))).toEqual([0, 0, 0x80, 0x3f]);
    expect(typedArrayFor("int64", bytes.buffer, 8, 1)).toBeInstanceOf(BigInt64Array);
    expect(typedArrayFor("bfloat16", bytes.buffer, 0, 8)).toBeInstanceOf(Uint16Array);
  });

  it.each([
    ["misaligned", "float32", 2, 1],
    ["past the end", "int32", 8, 3],
    ["negative offset", "uint8", -1, 1],
    ["fractional length", "uint8", 0, 1.5],
  ] as const)("throws a typed error when %s", (_label, dtype, offset, length) => {
    const buffer = new ArrayBuffer(16);
    let error: unknown;
    try {
      typedArrayFor(dtype, buffer, offset, length);
    } catch (e) {
      error = e;
    }
    expect(isAotihubError(error)).toBe(true);
    expect((error as { code: string }).code).toBe("AOTIHUB_TENSOR_VIEW_INVALID");
  });
});

describe("TensorDataOf", () => {
  it("gives each dtype's array type at compile time", () => {
    const bytes = new ArrayBuffer(8);
    const f: Float32Array = typedArrayFor("float32", bytes, 0, 2);
    const h: Uint16Array = typedArrayFor("bfloat16", bytes, 0, 4);
    const l: BigInt64Array = typedArrayFor("int64", bytes, 0, 1);
    const b: Uint8Array = typedArrayFor("bool", bytes, 0, 8);
    const anyDtype: TensorData = typedArrayFor("float8_e5m2" as TorchDtypeName, bytes, 0, 8);
    expect([f, h, l, b, anyDtype].map((a) => a.constructor.name)).toEqual([
      "Float32Array",
      "Uint16Array",
      "BigInt64Array",
      "Uint8Array",
      "Uint8Array",
    ]);
  });
});

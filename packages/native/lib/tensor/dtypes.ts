import { AotihubError, TORCH_DTYPE_NAMES, type TorchDtypeName } from "@aotihub/registry";

/**
 * Tensor element types, named as torch names them. The list of names lives in the registry (the
 * manifest schema validates them); this file owns their sizes and arrays, and C++
 * src/backend/dtype.cc repeats the sizes (a test checks it against `DTYPES`, row by row).
 */
export type { TorchDtypeName };

/** The dtype codes the safetensors format writes in its JSON header. */
export type SafetensorsDtype =
  | "F32"
  | "F16"
  | "BF16"
  | "F8_E4M3"
  | "F8_E5M2"
  | "I64"
  | "I32"
  | "I8"
  | "U8"
  | "BOOL";

export type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Uint16ArrayConstructor
  | Uint8ArrayConstructor
  | BigInt64ArrayConstructor
  | Int32ArrayConstructor
  | Int8ArrayConstructor;

export type TensorData = Float32Array | Uint16Array | Uint8Array | BigInt64Array | Int32Array | Int8Array;

/** The JS array a dtype's data comes in, as a type: `TensorDataOf<"int64">` is `BigInt64Array`. */
export type TensorDataOf<D extends TorchDtypeName> = D extends "float32"
  ? Float32Array
  : D extends "float16" | "bfloat16"
    ? Uint16Array
    : D extends "int64"
      ? BigInt64Array
      : D extends "int32"
        ? Int32Array
        : D extends "int8"
          ? Int8Array
          : Uint8Array;

export interface DtypeInfo {
  /** Bytes per element. */
  readonly itemSize: number;
  readonly safetensors: SafetensorsDtype;
  /**
   * The JS view of the raw element bytes. JS has no float16/bfloat16/fp8 arrays (Node 20), so those
   * stay raw bits in unsigned arrays of the same width, as onnxruntime-node does.
   */
  readonly typedArray: TypedArrayConstructor;
}

/** The one dtype table: every other mapping in the project derives from it. */
export const DTYPES: Readonly<Record<TorchDtypeName, DtypeInfo>> = Object.freeze({
  float32: { itemSize: 4, safetensors: "F32", typedArray: Float32Array },
  float16: { itemSize: 2, safetensors: "F16", typedArray: Uint16Array },
  bfloat16: { itemSize: 2, safetensors: "BF16", typedArray: Uint16Array },
  float8_e4m3fn: { itemSize: 1, safetensors: "F8_E4M3", typedArray: Uint8Array },
  float8_e5m2: { itemSize: 1, safetensors: "F8_E5M2", typedArray: Uint8Array },
  int64: { itemSize: 8, safetensors: "I64", typedArray: BigInt64Array },
  int32: { itemSize: 4, safetensors: "I32", typedArray: Int32Array },
  int8: { itemSize: 1, safetensors: "I8", typedArray: Int8Array },
  uint8: { itemSize: 1, safetensors: "U8", typedArray: Uint8Array },
  bool: { itemSize: 1, safetensors: "BOOL", typedArray: Uint8Array },
});

export { TORCH_DTYPE_NAMES };

const BY_SAFETENSORS: ReadonlyMap<string, TorchDtypeName> = new Map(
  TORCH_DTYPE_NAMES.map((name) => [DTYPES[name].safetensors, name]),
);

export function isTorchDtypeName(value: unknown): value is TorchDtypeName {
  return typeof value === "string" && Object.hasOwn(DTYPES, value);
}

/** The torch dtype for a safetensors code, or null for a code we do not support (e.g. F64, U16). */
export function dtypeFromSafetensors(code: string): TorchDtypeName | null {
  return BY_SAFETENSORS.get(code) ?? null;
}

/** Bytes per element of `dtype`. */
export function itemSizeOf(dtype: TorchDtypeName): number {
  return DTYPES[dtype].itemSize;
}

/**
 * A zero-copy view of `length` elements of `dtype` over `buffer` from `byteOffset`. Throws a typed
 * error instead of the engine's RangeError when the view would be misaligned or out of bounds, so a
 * caller can say which tensor was at fault.
 */
export function typedArrayFor<D extends TorchDtypeName>(
  dtype: D,
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
): TensorDataOf<D> {
  const { itemSize, typedArray } = DTYPES[dtype];
  if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new AotihubError(
      "AOTIHUB_TENSOR_VIEW_INVALID",
      `Cannot view ${dtype} data: bad offset or length.`,
      {
        expected: "a non-negative integer byte offset and element count",
        received: `byteOffset ${byteOffset}, length ${length}`,
      },
    );
  }
  if (byteOffset % itemSize !== 0) {
    throw new AotihubError(
      "AOTIHUB_TENSOR_VIEW_INVALID",
      `Cannot view ${dtype} data at a misaligned offset.`,
      {
        expected: `a byte offset that is a multiple of ${itemSize}`,
        received: `byteOffset ${byteOffset}`,
        hint: "copy the bytes to an aligned buffer first (e.g. Uint8Array.prototype.slice)",
      },
    );
  }
  if (byteOffset + length * itemSize > buffer.byteLength) {
    throw new AotihubError(
      "AOTIHUB_TENSOR_VIEW_INVALID",
      `Cannot view ${dtype} data past the end of its buffer.`,
      {
        expected: `at most ${buffer.byteLength} bytes`,
        received: `${length} elements x ${itemSize} bytes from byte ${byteOffset}`,
      },
    );
  }
  // Every constructor in the table accepts (buffer, byteOffset, length); TS cannot see that through
  // the union, because BigInt64Array's overloads differ from the others' in lib.es2023.
  const View = typedArray as unknown as new (b: ArrayBufferLike, o: number, l: number) => TensorDataOf<D>;
  return new View(buffer, byteOffset, length);
}

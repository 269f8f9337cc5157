import type { AotihubErrorCode } from "@aotihub/registry";

/** One code the C++ side throws (`NativeError(code, ...)` in src/), and what it becomes in TS. */
export interface NativeCodeRow {
  /** What the C++ code means by it. */
  readonly meaning: string;
  /** The `AotihubError` code it becomes while loading (torch, weights, opening a variant). */
  readonly becomes: AotihubErrorCode;
  /** The code while a model runs, where it differs. */
  readonly whileRunning?: AotihubErrorCode;
  /** The code from `mapFile`, where it differs. */
  readonly whileMapping?: AotihubErrorCode;
}

/**
 * The one table of native codes. C++ sends only the short code and the facts (sharp's habit); this
 * table turns each into a specific `AOTIHUB_*` code. A test scans packages/native/src for every
 * `"NATIVE_*"` literal and fails when the sources and this table differ.
 */
export const NATIVE_CODES = {
  NATIVE_BAD_DTYPE: {
    meaning: "a dtype name or libtorch dtype code with no row in the dtype table",
    becomes: "AOTIHUB_DTYPE_UNSUPPORTED",
  },
  NATIVE_BAD_HANDLE: {
    meaning: "a binding got a JS value that is not the handle it expects",
    becomes: "AOTIHUB_NATIVE_BAD_HANDLE",
  },
  NATIVE_CUDA: { meaning: "a CUDA runtime call returned an error", becomes: "AOTIHUB_CUDA_FAILED" },
  NATIVE_DISPOSED: { meaning: "the handle's object was already disposed", becomes: "AOTIHUB_DISPOSED" },
  NATIVE_DUPLICATE: {
    meaning: "a tensor name appears twice in a weight set",
    becomes: "AOTIHUB_WEIGHTS_UNREADABLE",
  },
  NATIVE_FAILURE: {
    meaning: "a C++ exception that is not a NativeError (std::exception or unknown)",
    becomes: "AOTIHUB_MODEL_LOAD_FAILED",
    whileRunning: "AOTIHUB_RUN_FAILED",
  },
  NATIVE_INPUT: {
    meaning:
      "run() inputs that do not fit the model (count, byte size, a detached or shrunk buffer, a device tensor passed as another dtype or shape)",
    becomes: "AOTIHUB_INPUT_INVALID",
  },
  NATIVE_OUTPUT: {
    meaning:
      "run()'s `out` arrays do not fit the outputs (count, array kind, byte length, detached, or a host array for an output kept on the GPU)",
    becomes: "AOTIHUB_OUTPUT_INVALID",
  },
  NATIVE_IO: {
    meaning: "open, fstat, mmap or flock failed",
    becomes: "AOTIHUB_WEIGHTS_UNREADABLE",
    whileMapping: "AOTIHUB_MMAP_FAILED",
  },
  NATIVE_KERNEL_ABI: {
    meaning:
      "a kernel library needs c10/ATen/torch symbols the loaded libtorch lacks (built for another torch)",
    becomes: "AOTIHUB_KERNEL_TORCH_ABI",
  },
  NATIVE_KERNEL_CALL: {
    meaning: "a custom op called through the proxy executor failed (its message is on stderr)",
    becomes: "AOTIHUB_KERNEL_CALL_FAILED",
  },
  NATIVE_KERNEL_LOAD: {
    meaning: "a kernel library cannot be opened, read as ELF, or dlopened",
    becomes: "AOTIHUB_KERNEL_LOAD_FAILED",
  },
  NATIVE_KERNEL_NODE: {
    meaning: "an extern-node argument kind the executor does not know (the TS side sent a bad plan)",
    becomes: "AOTIHUB_KERNEL_CALL_UNSUPPORTED",
  },
  NATIVE_KERNEL_SHIM: {
    meaning: "libtorch's C shim lacks aoti_torch_call_dispatcher or the list functions an op needs",
    becomes: "AOTIHUB_KERNEL_SHIM_MISSING",
  },
  NATIVE_MODEL: {
    meaning:
      "an AOTInductor container call returned an error (why: AOTInductorGetLastError on torch >= 2.13, else stderr)",
    becomes: "AOTIHUB_MODEL_LOAD_FAILED",
    whileRunning: "AOTIHUB_RUN_FAILED",
  },
  NATIVE_NOT_AOTI: {
    meaning: "the .so lacks the AOTInductor container symbols",
    becomes: "AOTIHUB_MODEL_SO_INVALID",
  },
  NATIVE_NOT_FOUND: {
    meaning: "a file to open does not exist (ENOENT)",
    becomes: "AOTIHUB_WEIGHTS_UNREADABLE",
    whileMapping: "AOTIHUB_MMAP_NOT_FOUND",
  },
  NATIVE_NO_BACKEND: {
    meaning: "a tensor operation before libtorch was loaded",
    becomes: "AOTIHUB_TORCH_NOT_LOADED",
  },
  NATIVE_NO_CUDA_RUNTIME: {
    meaning: "a CUDA operation with a libtorch loaded without libcudart",
    becomes: "AOTIHUB_TORCH_NO_CUDA",
  },
  NATIVE_OOM: { meaning: "a host allocation failed", becomes: "AOTIHUB_OUT_OF_MEMORY" },
  NATIVE_RANGE: {
    meaning: "a byte range lies outside its file, or a tensor's size does not match its range",
    becomes: "AOTIHUB_WEIGHTS_UNREADABLE",
    whileMapping: "AOTIHUB_MMAP_OUT_OF_RANGE",
  },
  NATIVE_SO_LOAD: { meaning: "dlopen of the model .so failed", becomes: "AOTIHUB_MODEL_SO_INVALID" },
  NATIVE_TORCH: {
    meaning: "a libtorch C-shim call returned an error (libtorch printed why on stderr)",
    becomes: "AOTIHUB_MODEL_LOAD_FAILED",
    whileRunning: "AOTIHUB_RUN_FAILED",
  },
  NATIVE_TORCH_CONFLICT: {
    meaning: "another libtorch (or one without CUDA) is already loaded in this process",
    becomes: "AOTIHUB_TORCH_CONFLICT",
  },
  NATIVE_TORCH_LOAD: { meaning: "dlopen of a libtorch library failed", becomes: "AOTIHUB_TORCH_LOAD_FAILED" },
  NATIVE_RUNTIME_CONFLICT: {
    meaning: "the other runtime (libtorch or standalone) is already loaded in this process",
    becomes: "AOTIHUB_RUNTIME_CONFLICT",
  },
  NATIVE_CUDART_MISSING: {
    meaning: "the standalone runtime found no loadable libcudart (or it lacks a function)",
    becomes: "AOTIHUB_CUDA_RUNTIME_NOT_FOUND",
  },
  NATIVE_TORCH_SYMBOL: { meaning: "libtorch lacks a symbol we call", becomes: "AOTIHUB_TORCH_LOAD_FAILED" },
  NATIVE_WRONG_DEVICE: {
    meaning: "a device tensor input that lives on another GPU than the model",
    becomes: "AOTIHUB_INPUT_WRONG_DEVICE",
  },
  NATIVE_WEIGHTS_MISMATCH: {
    meaning: "the weight set lacks a constant the model needs, or has it with another dtype or size",
    becomes: "AOTIHUB_WEIGHTS_MISMATCH",
  },
} as const satisfies Record<`NATIVE_${string}`, NativeCodeRow>;

export type NativeCode = keyof typeof NATIVE_CODES;

/** Where the native call was made; it picks the column of the table. */
export type NativeSeam = "load" | "run" | "map";

/** The `AOTIHUB_*` code for a native code at a seam; an unknown code counts as `NATIVE_FAILURE`. */
export function aotihubCodeOf(nativeCode: string, seam: NativeSeam): AotihubErrorCode {
  const row: NativeCodeRow = Object.hasOwn(NATIVE_CODES, nativeCode)
    ? NATIVE_CODES[nativeCode as NativeCode]
    : NATIVE_CODES.NATIVE_FAILURE;
  if (seam === "run") return row.whileRunning ?? row.becomes;
  if (seam === "map") return row.whileMapping ?? row.becomes;
  return row.becomes;
}

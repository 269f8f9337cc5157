import { z } from "zod";

/**
 * Tensor dtypes as torch names them. The registry sits below `@aotihub/native`, so it keeps its own
 * list of names (the native package owns the table of sizes and TypedArrays for the same names).
 */
export const TORCH_DTYPE_NAMES = [
  "float32",
  "float16",
  "bfloat16",
  "float8_e4m3fn",
  "float8_e5m2",
  "int64",
  "int32",
  "int8",
  "uint8",
  "bool",
] as const;

export type TorchDtypeName = (typeof TORCH_DTYPE_NAMES)[number];

export const torchDtypeNameSchema = z.enum(TORCH_DTYPE_NAMES, {
  error: (issue) =>
    `expected a torch dtype name (${TORCH_DTYPE_NAMES.join(", ")}) but received ${JSON.stringify(issue.input)}`,
});

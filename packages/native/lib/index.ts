// Public surface of @aotihub/native.

export * from "./errors/index.js";
export * from "./formats/index.js";
export * from "./io/index.js";
export * from "./kernels/index.js";
export * from "./probe/index.js";
export * from "./runtime/index.js";
export * from "./tensor/dtypes.js";
export * from "./torch/index.js";

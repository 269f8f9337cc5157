// Public surface: filled by the package's own modules.

export * from "./formats/index.js";
export * from "./tensor/dtypes.js";

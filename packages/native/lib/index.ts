// Public surface: filled by the package's own modules.
export * from "./tensor/dtypes.js";

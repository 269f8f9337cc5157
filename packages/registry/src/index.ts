export * from "./compat/index.js";
export * from "./device/index.js";
export { AotihubError, type AotihubErrorDetails, isAotihubError } from "./errors/aotihub-error.js";
export * from "./kernels/index.js";
export * from "./manifest/index.js";
export * from "./resolve/index.js";

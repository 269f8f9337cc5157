export * from "./compat/index.js";
export * from "./device/index.js";
export { AotihubError, type AotihubErrorDetails, isAotihubError } from "./errors/aotihub-error.js";
export {
  type AotihubErrorCode,
  ERROR_CODES,
  type ErrorCodeInfo,
  isAotihubErrorCode,
} from "./errors/error-codes.js";
export * from "./kernels/index.js";
export * from "./manifest/index.js";
export {
  InvalidRepoIdError,
  isRepoName,
  isRepoNamePart,
  parseRepoId,
  type RepoId,
  type RepoType,
  repoTypePlural,
  repoUrlPrefix,
} from "./repo/repo-id.js";
export * from "./resolve/index.js";

export { AotihubError, type AotihubErrorDetails, isAotihubError } from "./errors/aotihub-error.js";

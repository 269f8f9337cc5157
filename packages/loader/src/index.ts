export * from "./cache/index.js";
export * from "./compiled/index.js";
export * from "./config/index.js";
export * from "./download/index.js";
export * from "./hub/index.js";
export * from "./lockfile/lockfile-schema.js";
export * from "./lockfile/read-write-lockfile.js";
export * from "./model-files/index.js";
export * from "./names/parse-model-ref.js";
export * from "./names/resolve-model-name.js";
export * from "./names/suggest-names.js";
export * from "./prefetch/index.js";
export * from "./progress/index.js";
export * from "./project-config/load-project-config.js";
export * from "./project-config/project-config-schema.js";
export * from "./publish/index.js";
export {
  type AccessConfig,
  type Fault,
  type FaultAction,
  type HubRequestRecord,
  type HubServer,
  HubServerError,
  type HubServerOptions,
  startHubServer,
} from "./serve/index.js";
export * from "./trust/assert-trusted.js";
export * from "./trust/verify-file-sha256.js";

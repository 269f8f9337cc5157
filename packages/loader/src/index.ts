// Public surface: filled by the package's own modules.
export {};
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
export * from "./cache/index.js";
export * from "./config/index.js";
export * from "./download/index.js";
export * from "./hub/index.js";
export * from "./prefetch/index.js";
export * from "./progress/index.js";

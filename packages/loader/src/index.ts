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

export type { AccessConfig } from "./access/access-config.js";
export { ACCESS_FILE_NAME } from "./access/access-config.js";
export { HubServerError } from "./hub-server-error.js";
export type { HubServerOptions } from "./hub-server-options.js";
export { REFS_FILE_NAME } from "./repo/repo-refs-file.js";
export { type HubServer, startHubServer } from "./start-hub-server.js";

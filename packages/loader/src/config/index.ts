export { DEFAULT_ENDPOINT, type HubConfig, readHubConfig } from "./hub-config.js";

// The test-only entry, `@aotihub/hub-server/testing`: a Hub that misbehaves on request. Nothing a
// served Hub (`aotihub serve`) runs depends on it.
export type { Fault, FaultAction, FaultMatch } from "../faults/fault-injector.js";
export { FaultInjector } from "../faults/fault-injector.js";
export type { HubRequestRecord } from "../start-hub-server.js";
export { startTestHubServer, type TestHubServer } from "./start-test-hub-server.js";

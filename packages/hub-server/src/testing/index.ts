// The test-only entry, `@aotihub/hub-server/testing`: the same Hub, with faults a test arms, the
// traffic it saw and synthetic files. Nothing a served Hub (`aotihub serve`) runs depends on it.
export type { Fault, FaultAction, FaultMatch } from "../faults/fault-injector.js";
export { FaultInjector } from "../faults/fault-injector.js";
export type { HubRequestRecord } from "../start-hub-server.js";
export {
  type HostileAttack,
  type HostileAttackOptions,
  hostileFault,
  PLAUSIBLE_COMMIT,
  PLAUSIBLE_SHA1,
} from "./hostile-attacks.js";
export {
  startTestHubServer,
  type TestHubServer,
  type TestHubServerOptions,
} from "./start-test-hub-server.js";
export { type SyntheticContent, syntheticBytes, syntheticContent } from "./synthetic-content.js";

import { FaultInjector } from "../faults/fault-injector.js";
import type { HubServerOptions } from "../hub-server-options.js";
import { type HubRequestRecord, type HubServer, openHubServer } from "../start-hub-server.js";

/** A local Hub a test drives: it arms faults and reads back the traffic the server saw. */
export interface TestHubServer extends HubServer {
  /** Arm faults for the next matching requests. */
  faults: FaultInjector;
  /** The last requests served (at most 10,000), oldest first. */
  requests: HubRequestRecord[];
}

const MAX_RECORDS = 10_000;

/** startHubServer with a fault injector and a request log; for tests only. */
export async function startTestHubServer(options: HubServerOptions): Promise<TestHubServer> {
  const faults = new FaultInjector();
  const requests: HubRequestRecord[] = [];
  const server = await openHubServer(options, {
    faults,
    onRequest: (record) => {
      requests.push(record);
      if (requests.length > MAX_RECORDS) requests.splice(0, requests.length - MAX_RECORDS);
    },
  });
  return { ...server, faults, requests };
}

import { mkdir, open } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { FaultInjector } from "../faults/fault-injector.js";
import type { HubServerOptions } from "../hub-server-options.js";
import { diskFileBytes, type FileBytes } from "../repo/file-bytes.js";
import { type HubRequestRecord, type HubServer, openHubServer } from "../start-hub-server.js";
import { type SyntheticContent, syntheticStream } from "./synthetic-content.js";

export interface TestHubServerOptions extends HubServerOptions {
  /**
   * Files served from a function instead of the disk, by path under the root
   * (`models/acme/tiny/big.safetensors`). A sparse placeholder of the right size is created there
   * so the folder scan sees the file; its bytes and hashes come from the content.
   */
  syntheticFiles?: Record<string, SyntheticContent>;
}

/** A local Hub a test drives: it arms faults and reads back the traffic the server saw. */
export interface TestHubServer extends HubServer {
  /** Arm faults for the next matching requests. */
  faults: FaultInjector;
  /** The last requests served (at most 10,000), oldest first, each recorded when its connection closed. */
  requests: HubRequestRecord[];
}

const MAX_RECORDS = 10_000;

/** startHubServer with a fault injector, a request log and synthetic files; for tests only. */
export async function startTestHubServer(options: TestHubServerOptions): Promise<TestHubServer> {
  const faults = new FaultInjector();
  const requests: HubRequestRecord[] = [];
  const { syntheticFiles, ...serverOptions } = options;
  const server = await openHubServer(serverOptions, {
    faults,
    onRequest: (record) => {
      requests.push(record);
      if (requests.length > MAX_RECORDS) requests.splice(0, requests.length - MAX_RECORDS);
    },
    fileBytes: syntheticFiles ? await placeSyntheticFiles(options.root, syntheticFiles) : diskFileBytes,
  });
  return { ...server, faults, requests };
}

async function placeSyntheticFiles(
  root: string,
  files: Record<string, SyntheticContent>,
): Promise<FileBytes> {
  const byPath = new Map<string, SyntheticContent>();
  for (const [key, content] of Object.entries(files)) {
    const path = resolve(root, key);
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, "w");
    try {
      await handle.truncate(content.size); // sparse: no blocks on disk
    } finally {
      await handle.close();
    }
    byPath.set(path, content);
  }
  return {
    read(path, start, end) {
      const content = byPath.get(path);
      return content ? syntheticStream(content, start, end) : diskFileBytes.read(path, start, end);
    },
  };
}

import { rmSync } from "node:fs";
import {
  startTestHubServer,
  syntheticBytes,
  syntheticContent,
  type TestHubServer,
} from "@aotihub/hub-server/testing";
import {
  createHubDispatcher,
  HubClient,
  type HubConfig,
  parseRepoId,
  snapshotDownload,
} from "@aotihub/loader";
import type { Dispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, sha256Of, writeServedRepo } from "./support/served-repo.js";

// A snapshot shares one CDN connection budget between its files (maxConcurrency, as one file): 3
// large files with maxConcurrency 3 must never hold more than 3 ranged GETs at once (without the
// shared budget they held up to 9), and still come out verified.

const MIB = 1 << 20;
const files = Object.fromEntries(
  [0, 1, 2].map((i) => [
    `shard-${i}.safetensors`,
    syntheticBytes(syntheticContent(3 * MIB + 1000 * i, 40 + i)),
  ]),
);
let hub: TestHubServer;
let root: string;
let cache: string;

beforeAll(async () => {
  root = await writeServedRepo(files);
  cache = `${root}-cache`;
  // paced, so the ranged GETs of different files overlap in time
  hub = await startTestHubServer({ root, throttleBytesPerSecond: 8 * MIB });
});

afterAll(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

/** Counts the requests to `origin` in flight through a dispatcher (from dispatch to end or error). */
function countingDispatcher(origin: string): { dispatcher: Dispatcher; max: () => number } {
  let inFlight = 0;
  let max = 0;
  const dispatcher = createHubDispatcher().compose((dispatch) => (options, handler) => {
    if (String(options.origin) !== origin) return dispatch(options, handler);
    inFlight++;
    max = Math.max(max, inFlight);
    let open = true;
    const settle = () => {
      if (open) inFlight--;
      open = false;
    };
    const ends = new Set(["onComplete", "onError", "onResponseEnd", "onResponseError"]);
    const counted = new Proxy(handler, {
      // every method runs on the handler itself (undici's handlers keep private fields)
      get(target, name) {
        const value = Reflect.get(target, name);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (typeof name === "string" && ends.has(name)) settle();
          return Reflect.apply(value, target, args);
        };
      },
    });
    return dispatch(options, counted);
  });
  return { dispatcher, max: () => max };
}

describe("snapshotDownload", () => {
  it("holds at most maxConcurrency CDN connections for all its files together", async () => {
    const config: HubConfig = {
      endpoint: hub.url,
      token: undefined,
      hfHome: cache,
      cacheDir: cache,
      offline: false,
    };
    const counting = countingDispatcher(hub.cdnUrl);
    const client = new HubClient({ config, dispatcher: counting.dispatcher });
    const snapshot = await snapshotDownload({
      repo: parseRepoId(REPO),
      config,
      client,
      parallelThreshold: MIB,
      chunkSize: MIB,
      maxConcurrency: 3,
    });
    expect(snapshot.files.map((f) => f.etag).sort()).toEqual(Object.values(files).map(sha256Of).sort());
    expect(counting.max()).toBeLessThanOrEqual(3);
    expect(counting.max()).toBeGreaterThanOrEqual(2); // it did download in parallel
  });
});

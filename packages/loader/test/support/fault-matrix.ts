// One table of fault kinds over the local Hub, each with what a download must end in: the full
// run is bench/reliability-faults.ts (figures in docs/reliability.md), a few rows run in vitest.
import { rmSync } from "node:fs";
import type { Fault, TestHubServer } from "@aotihub/hub-server/testing";
import {
  CacheLayout,
  createHubDispatcher,
  downloadFile,
  HubClient,
  type HubConfig,
  parseRepoId,
} from "@aotihub/loader";
import { assertCacheSound } from "./cache-assertions.js";
import { REPO } from "./served-repo.js";

export const MATRIX_BIG = "weights/model.safetensors";
export const MATRIX_SMALL = "config.json";
const RESOLVE = { origin: "api", path: "/resolve/" } as const;
const CDN = { origin: "cdn" } as const;

export interface FaultCase {
  kind: string;
  /** What the faults do, in words, for the table. */
  armed: string;
  faults: Fault[];
  file?: string;
  /** "ok", or the AOTIHUB_* code the download must end with. */
  expect: "ok" | `AOTIHUB_${string}`;
}

/** Retry budget of every row: 3 retries per request, short timeouts so a stall costs seconds. */
export const MATRIX_BUDGET = {
  headersTimeoutMs: 1500,
  bodyTimeoutMs: 1500,
  minRetryDelayMs: 20,
  maxRetryDelayMs: 1500,
  maxRetries: 3,
};

export const FAULT_CASES: FaultCase[] = [
  {
    kind: "connection reset mid-body",
    armed: "2 CDN GETs reset after 300 KB",
    faults: [{ ...CDN, action: { type: "reset", afterBytes: 300_000 }, times: 2 }],
    expect: "ok",
  },
  {
    kind: "connection reset mid-body",
    armed: "every CDN GET reset after 100 KB",
    faults: [{ ...CDN, action: { type: "reset", afterBytes: 100_000 }, times: Infinity }],
    expect: "AOTIHUB_NETWORK_ERROR",
  },
  {
    kind: "connection reset before headers",
    armed: "resolve HEAD reset twice",
    faults: [{ ...RESOLVE, method: "HEAD", action: { type: "reset", afterBytes: 0 }, times: 2 }],
    expect: "ok",
  },
  {
    kind: "503",
    armed: "resolve HEAD 503 twice",
    faults: [{ ...RESOLVE, method: "HEAD", action: { type: "status", status: 503 }, times: 2 }],
    expect: "ok",
  },
  {
    kind: "503",
    armed: "every CDN GET 503",
    faults: [{ ...CDN, action: { type: "status", status: 503 }, times: Infinity }],
    expect: "AOTIHUB_HUB_HTTP_ERROR",
  },
  {
    kind: "429 + Retry-After",
    armed: "2 CDN GETs 429, Retry-After: 1",
    faults: [{ ...CDN, action: { type: "status", status: 429, headers: { "Retry-After": "1" } }, times: 2 }],
    expect: "ok",
  },
  {
    kind: "429 + Retry-After",
    armed: "every request 429, Retry-After: 0",
    faults: [
      {
        origin: "any",
        action: { type: "status", status: 429, headers: { "Retry-After": "0" } },
        times: Infinity,
      },
    ],
    expect: "AOTIHUB_RATE_LIMITED",
  },
  {
    kind: "500",
    armed: "3 CDN GETs 500",
    faults: [{ ...CDN, action: { type: "status", status: 500 }, times: 3 }],
    expect: "ok",
  },
  {
    kind: "500",
    armed: "resolve HEAD always 500",
    faults: [{ ...RESOLVE, method: "HEAD", action: { type: "status", status: 500 }, times: Infinity }],
    expect: "AOTIHUB_HUB_HTTP_ERROR",
  },
  {
    kind: "truncated body",
    armed: "2 CDN GETs end cleanly after 500 KB",
    faults: [{ ...CDN, action: { type: "truncate", afterBytes: 500_000 }, times: 2 }],
    expect: "ok",
  },
  {
    kind: "truncated body",
    armed: "small file GET ends after 0 bytes",
    file: MATRIX_SMALL,
    faults: [{ ...RESOLVE, method: "GET", action: { type: "truncate", afterBytes: 0 } }],
    expect: "ok",
  },
  {
    kind: "flipped byte",
    armed: "1 CDN GET with one byte flipped",
    faults: [{ ...CDN, action: { type: "corrupt", atByte: 4096 } }],
    expect: "ok",
  },
  {
    kind: "flipped byte",
    armed: "every CDN GET with one byte flipped",
    faults: [{ ...CDN, action: { type: "corrupt" }, times: Infinity }],
    expect: "AOTIHUB_HASH_MISMATCH",
  },
  {
    kind: "flipped byte",
    armed: "every small-file GET with one byte flipped",
    file: MATRIX_SMALL,
    faults: [{ ...RESOLVE, method: "GET", action: { type: "corrupt", atByte: 3 }, times: Infinity }],
    expect: "AOTIHUB_HASH_MISMATCH",
  },
  {
    kind: "stall",
    armed: "1 CDN GET stalls after headers for 5 s",
    faults: [{ ...CDN, action: { type: "stall", ms: 5000 } }],
    expect: "ok",
  },
  {
    kind: "stall",
    armed: "resolve HEAD never answers",
    faults: [{ ...RESOLVE, method: "HEAD", action: { type: "hang" }, times: Infinity }],
    expect: "AOTIHUB_NOT_IN_CACHE",
  },
  {
    kind: "redirect loop",
    armed: "resolve redirects to itself",
    faults: [{ ...RESOLVE, action: { type: "redirect-loop" }, times: Infinity }],
    expect: "AOTIHUB_REDIRECT_LOOP",
  },
  {
    kind: "redirect loop",
    armed: "CDN redirects to itself",
    faults: [{ ...CDN, action: { type: "redirect-loop" }, times: Infinity }],
    expect: "AOTIHUB_REDIRECT_LOOP",
  },
  {
    kind: "wrong Content-Length",
    armed: "2 CDN GETs announce 1000 bytes too many",
    faults: [{ ...CDN, action: { type: "wrong-length", delta: 1000 }, times: 2 }],
    expect: "ok",
  },
  {
    kind: "wrong Content-Length",
    armed: "2 CDN GETs announce 1000 bytes too few",
    faults: [{ ...CDN, action: { type: "wrong-length", delta: -1000 }, times: 2 }],
    expect: "ok",
  },
  {
    kind: "body that never ends",
    armed: "1 CDN GET streams filler forever",
    faults: [{ ...CDN, action: { type: "endless" } }],
    expect: "AOTIHUB_BAD_RANGE_RESPONSE",
  },
  {
    kind: "body that never ends",
    armed: "small file GET streams filler forever",
    file: MATRIX_SMALL,
    faults: [{ ...RESOLVE, method: "GET", action: { type: "endless" } }],
    expect: "AOTIHUB_BAD_RANGE_RESPONSE",
  },
  {
    kind: "expired CDN URL",
    armed: "first resolve hands out an expired URL",
    faults: [{ ...RESOLVE, action: { type: "expired-cdn-url" } }],
    expect: "ok",
  },
  {
    kind: "expired CDN URL",
    armed: "every resolve hands out an expired URL",
    faults: [{ ...RESOLVE, action: { type: "expired-cdn-url" }, times: Infinity }],
    expect: "AOTIHUB_UNAUTHORIZED",
  },
  {
    kind: "slow trickle",
    armed: "every CDN GET at 2 MB/s",
    faults: [{ ...CDN, action: { type: "throttle", bytesPerSecond: 2_000_000 }, times: Infinity }],
    expect: "ok",
  },
  {
    kind: "delay",
    armed: "resolve HEAD answers after 1 s",
    faults: [{ ...RESOLVE, method: "HEAD", action: { type: "delay", ms: 1000 } }],
    expect: "ok",
  },
];

export interface FaultOutcome {
  /** "ok" or the error's code (a bare error's name when untyped). */
  outcome: string;
  typed: boolean;
  requests: number;
  /** Blobs whose bytes do not match their name, or links to no sound blob (must be 0). */
  corrupt: number;
  message?: string;
}

/** Runs one row on a fresh cache: arms its faults, downloads its file, and checks the cache. */
export async function runFaultCase(
  hub: TestHubServer,
  row: FaultCase,
  cacheDir: string,
): Promise<FaultOutcome> {
  rmSync(cacheDir, { recursive: true, force: true });
  hub.faults.clear();
  hub.requests.length = 0;
  for (const fault of row.faults) hub.faults.inject(fault);
  const config: HubConfig = {
    endpoint: hub.url,
    token: undefined,
    hfHome: cacheDir,
    cacheDir,
    offline: false,
  };
  const client = new HubClient({ config, dispatcher: createHubDispatcher(MATRIX_BUDGET) });
  let outcome = "ok";
  let typed = true;
  let message: string | undefined;
  try {
    await downloadFile({
      repo: parseRepoId(REPO),
      path: row.file ?? MATRIX_BIG,
      config,
      client,
      parallelThreshold: 1 << 20,
      chunkSize: 1 << 20,
      maxConcurrency: 4,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    typed = typeof code === "string" && code.startsWith("AOTIHUB_");
    outcome = typed ? code! : `${(error as Error).name}`;
    message = String((error as Error).message).split("\n")[0];
  } finally {
    hub.faults.clear();
    await client.dispatcher.close().catch(() => {});
  }
  let corrupt = 0;
  try {
    assertCacheSound(new CacheLayout(cacheDir).repoDir(parseRepoId(REPO)));
  } catch {
    corrupt = 1;
  }
  return { outcome, typed, requests: hub.requests.length, corrupt, ...(message ? { message } : {}) };
}

import type { Dispatcher } from "undici";
import { undiciNow } from "./load-undici.js";

export interface HubDispatcherOptions {
  /** Keep-alive sockets per origin; bounds ranged-GET concurrency against one CDN host. */
  connectionsPerOrigin?: number;
  /** Give up on a silent server after this long waiting for headers (ms). */
  headersTimeoutMs?: number;
  /** Give up on a stalled body after this long without a byte (ms); the retry then resumes it. */
  bodyTimeoutMs?: number;
  /** Retries per request for 429/5xx/resets/timeouts. */
  maxRetries?: number;
  /** First backoff (ms), doubled each retry, capped by maxRetryDelayMs; Retry-After wins when sent. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/**
 * One keep-alive pool for every Hub and CDN request, with undici's retry interceptor around it:
 * backoff on 429/5xx, `Retry-After` honoured, and a broken body resumed with `Range` + `If-Match`
 * (the interceptor checks the 206 `Content-Range`), so callers read one continuous body.
 */
export function createHubDispatcher(options: HubDispatcherOptions = {}): Dispatcher {
  const dispatcher = composeHubDispatcher(options);
  madeWith.set(dispatcher, options);
  return dispatcher;
}

const madeWith = new WeakMap<Dispatcher, HubDispatcherOptions>();

/**
 * A new pool with the same settings as `dispatcher`, sharing no connection with it (the caller
 * closes it); undefined for a dispatcher we did not make. A download whose bytes hashed wrong
 * fetches them again through one, so a connection that altered them is not reused.
 */
export function freshDispatcherLike(dispatcher: Dispatcher): Dispatcher | undefined {
  const options = madeWith.get(dispatcher);
  return options === undefined ? undefined : composeHubDispatcher(options);
}

function composeHubDispatcher(options: HubDispatcherOptions): Dispatcher {
  // loaded already on the library's own paths (their first request imports it); a caller's own
  // dispatcher, made before any request, loads it here
  const { Agent, interceptors } = undiciNow();
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 32,
    keepAliveTimeout: 30_000,
    headersTimeout: options.headersTimeoutMs ?? 60_000,
    bodyTimeout: options.bodyTimeoutMs ?? 60_000,
  });
  return agent.compose(
    interceptors.retry({
      maxRetries: options.maxRetries ?? 5,
      minTimeout: options.minRetryDelayMs ?? 500,
      maxTimeout: options.maxRetryDelayMs ?? 30_000,
      timeoutFactor: 2,
      statusCodes: [429, 500, 502, 503, 504],
      errorCodes: [
        "ECONNRESET",
        "ECONNREFUSED",
        "EPIPE",
        "ETIMEDOUT",
        "ENETUNREACH",
        "EHOSTUNREACH",
        "UND_ERR_SOCKET",
        "UND_ERR_BODY_TIMEOUT",
        "UND_ERR_HEADERS_TIMEOUT",
        "UND_ERR_CONNECT_TIMEOUT",
        "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
      ],
    }),
  );
}

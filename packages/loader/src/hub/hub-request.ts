import type { Dispatcher } from "undici";
import {
  HubNetworkError,
  type HubResponseFacts,
  hubErrorFromResponse,
  RedirectLoopError,
  safeUrl,
} from "./hub-errors.js";
import { loadUndici, undiciIfLoaded } from "./load-undici.js";

export interface HubRequestParams {
  dispatcher: Dispatcher;
  url: string;
  method?: "GET" | "HEAD";
  headers?: Record<string, string>;
  /** Sent only to this origin (the Hub); dropped as soon as a redirect leaves it. */
  token?: string | undefined;
  tokenOrigin?: string;
  /** Follow redirects to other hosts too (a CDN). Python's metadata HEAD follows only relative ones. */
  followCrossOrigin?: boolean;
  maxRedirects?: number;
  signal?: AbortSignal | undefined;
}

export interface HubResponse {
  statusCode: number;
  headers: Record<string, string | undefined>;
  body: Dispatcher.ResponseData["body"];
  /** The URL that answered, after redirects. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function flatHeaders(raw: Dispatcher.ResponseData["headers"]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(raw)) out[key] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

/** One request with our redirect policy; the keep-alive pool and retries live in the dispatcher. */
export async function hubRequest(params: HubRequestParams): Promise<HubResponse> {
  const maxRedirects = params.maxRedirects ?? 10;
  const { request } = await loadUndici();
  const hops: string[] = [params.url];
  let url = params.url;
  for (;;) {
    const headers: Record<string, string> = { "accept-encoding": "identity", ...params.headers };
    if (params.token !== undefined && params.tokenOrigin === new URL(url).origin)
      headers.authorization = `Bearer ${params.token}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        dispatcher: params.dispatcher,
        method: params.method ?? "GET",
        headers,
        signal: params.signal,
      });
    } catch (error) {
      throw asNetworkError(url, error, params.signal);
    }
    const flat = flatHeaders(response.headers);
    const location = flat.location;
    if (!REDIRECTS.has(response.statusCode) || location === undefined)
      return { statusCode: response.statusCode, headers: flat, body: response.body, url };
    const next = new URL(location, url);
    if (!params.followCrossOrigin && next.origin !== new URL(url).origin)
      return { statusCode: response.statusCode, headers: flat, body: response.body, url };
    await response.body.dump();
    if (hops.length > maxRedirects) throw new RedirectLoopError(params.url, hops);
    url = next.toString();
    hops.push(url);
  }
}

/** Abort stays an AbortError (the caller asked for it); anything else becomes a typed network error. */
export function asNetworkError(url: string, error: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason ?? error;
  // only undici makes a RequestAbortedError, so with undici not loaded yet `error` is none
  const undici = undiciIfLoaded();
  if (undici !== undefined && error instanceof undici.errors.RequestAbortedError) return error;
  if ((error as { code?: string })?.code?.startsWith?.("AOTIHUB_")) return error;
  const exhausted = retryExhaustedFacts(url, error);
  if (exhausted !== undefined) return hubErrorFromResponse(exhausted, safeUrl(url));
  return new HubNetworkError(url, error);
}

/** Facts for a typed error, reading (and releasing) the body for the server's message. */
export async function responseFacts(response: HubResponse): Promise<HubResponseFacts> {
  let serverMessage = response.headers["x-error-message"];
  try {
    const text = await response.body.text();
    if (serverMessage === undefined && text.length > 0) {
      try {
        const json = JSON.parse(text) as { error?: unknown };
        if (typeof json.error === "string") serverMessage = json.error;
      } catch {
        serverMessage = text.slice(0, 200);
      }
    }
  } catch {
    // the body is only a hint; a broken one must not hide the status
  }
  const retryAfter = Number(response.headers["retry-after"]);
  return {
    statusCode: response.statusCode,
    url: response.url,
    requestId: response.headers["x-request-id"],
    errorCode: response.headers["x-error-code"],
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
    serverMessage,
  };
}

/** undici's retry interceptor throws this when a retryable status (429/5xx) outlived every retry. */
export function retryExhaustedFacts(url: string, error: unknown): HubResponseFacts | undefined {
  const e = error as { code?: string; statusCode?: number; headers?: Record<string, string | string[]> };
  if (e?.code !== "UND_ERR_REQ_RETRY" || typeof e.statusCode !== "number") return undefined;
  const header = (name: string) => {
    const v = e.headers?.[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const retryAfter = Number(header("retry-after"));
  return {
    statusCode: e.statusCode,
    url,
    requestId: header("x-request-id"),
    errorCode: header("x-error-code"),
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
  };
}

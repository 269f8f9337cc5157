import type { IncomingMessage, ServerResponse } from "node:http";

/** Which requests a fault applies to. */
export interface FaultMatch {
  /** The API origin, the CDN origin, or both (default). */
  origin?: "api" | "cdn" | "any";
  method?: string;
  /** A substring of, or a pattern for, the request path with its query. */
  path?: string | RegExp;
}

/**
 * What happens to a matched request. One vocabulary for every test: each kind is a way a Hub, its
 * CDN or the network between has been seen to fail. Header faults replace the answer; body
 * faults (`reset` after bytes, `truncate`, `corrupt`, `stall`, `throttle`) break a file body
 * served normally; `expired-cdn-url` makes a resolve hand out a CDN URL that has already expired.
 */
export type FaultAction =
  /** Answer with this status instead (e.g. 500, 503, 401, or 429 with `Retry-After`). */
  | { type: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Reset the connection (TCP RST) after this many body bytes (0: before any header). */
  | { type: "reset"; afterBytes: number }
  /** Close the connection cleanly after this many body bytes: a body shorter than its Content-Length. */
  | { type: "truncate"; afterBytes: number }
  /** Wait this long, then answer normally. */
  | { type: "delay"; ms: number }
  /** Never answer: no header, no close, until the client gives up or the server closes. */
  | { type: "hang" }
  /** Send the right headers but flip one byte of the body at this offset of the response. */
  | { type: "corrupt"; atByte?: number }
  /** Send headers, then nothing more for this long, then drop the connection. */
  | { type: "stall"; ms: number }
  /** Trickle this response's body at this rate (a slow CDN edge, a congested link). */
  | { type: "throttle"; bytesPerSecond: number }
  /**
   * Declare a Content-Length `delta` bytes off the body actually sent: above it, the body ends
   * early and the connection stays open; below it, bytes beyond the declared length follow.
   */
  | { type: "wrong-length"; delta: number }
  /** Send the body without a Content-Length, then filler bytes forever, until the client leaves. */
  | { type: "endless" }
  /** Redirect the request to itself (302), forever. */
  | { type: "redirect-loop" }
  /** On a resolve of an LFS file: redirect to a signed CDN URL that has already expired (403 there). */
  | { type: "expired-cdn-url" }
  /**
   * Answer however the test scripts it: a hostile Hub (see `@aotihub/hub-server/testing`'s
   * hostile attacks) sends what no honest server would, down to raw bytes on the socket.
   */
  | { type: "respond"; respond: (req: IncomingMessage, res: ServerResponse) => void | Promise<void> };

/** The faults that break a body the server otherwise sends as usual. */
export type BodyFault = Extract<
  FaultAction,
  { type: "reset" | "truncate" | "corrupt" | "stall" | "throttle" | "wrong-length" | "endless" }
>;

export interface Fault extends FaultMatch {
  action: FaultAction;
  /** How many matching requests it hits before it is spent (default 1; Infinity for all). */
  times?: number;
}

/**
 * Faults a test arms on a running server. Each matching request takes the first live fault and
 * spends one of its uses, so a test can say "the next two CDN GETs fail with 503".
 */
export class FaultInjector {
  readonly #faults: { fault: Fault; left: number }[] = [];

  inject(fault: Fault): void {
    this.#faults.push({ fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** Number of armed faults not yet spent. */
  get pending(): number {
    return this.#faults.filter((entry) => entry.left > 0).length;
  }

  take(origin: "api" | "cdn", method: string, path: string): FaultAction | null {
    const entry = this.#faults.find(({ fault, left }) => left > 0 && matches(fault, origin, method, path));
    if (!entry) return null;
    entry.left -= 1;
    return entry.fault.action;
  }
}

function matches(fault: FaultMatch, origin: "api" | "cdn", method: string, path: string): boolean {
  if (fault.origin && fault.origin !== "any" && fault.origin !== origin) return false;
  if (fault.method && fault.method.toUpperCase() !== method) return false;
  if (fault.path === undefined) return true;
  return typeof fault.path === "string" ? path.includes(fault.path) : fault.path.test(path);
}

import { AotihubError, type AotihubErrorCode } from "@aotihub/registry";

/** What the Hub said about a failed request; enough for a bug report to the Hub's team. */
export interface HubResponseFacts {
  statusCode: number;
  url: string;
  /** `X-Request-Id`: quote it when asking the Hub's maintainers about a failure. */
  requestId: string | undefined;
  /** `X-Error-Code` (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`, `GatedRepo`). */
  errorCode: string | undefined;
  /** Seconds from `Retry-After`, when the server sent one. */
  retryAfterSeconds?: number | undefined;
  /** The server's own message (`X-Error-Message` or the JSON `error`). */
  serverMessage?: string | undefined;
}

/** The codes a failed Hub request can carry. */
export type HubRequestCode = Extract<
  AotihubErrorCode,
  | "AOTIHUB_REPO_NOT_FOUND"
  | "AOTIHUB_REVISION_NOT_FOUND"
  | "AOTIHUB_ENTRY_NOT_FOUND"
  | "AOTIHUB_GATED_REPO"
  | "AOTIHUB_UNAUTHORIZED"
  | "AOTIHUB_RATE_LIMITED"
  | "AOTIHUB_HUB_HTTP_ERROR"
>;

export interface HubRequestDetails {
  /** Which request failed and what the Hub said. */
  facts: HubResponseFacts;
  hint: string;
}

/** Any failed Hub request. `code` says which kind; the facts say which request. */
export class HubRequestError extends AotihubError {
  readonly statusCode: number;
  readonly url: string;
  readonly requestId: string | undefined;
  readonly errorCode: string | undefined;

  constructor(code: HubRequestCode, summary: string, { facts, hint }: HubRequestDetails) {
    const origin = safeUrl(facts.url);
    const id = facts.requestId === undefined ? "" : `, request id ${facts.requestId}`;
    super(code, `${summary} (HTTP ${facts.statusCode} from ${origin}${id})`, {
      expected: "a successful response from the Hub",
      received: `HTTP ${facts.statusCode}${facts.errorCode ? ` ${facts.errorCode}` : ""}${facts.serverMessage ? `: ${facts.serverMessage}` : ""}`,
      hint,
    });
    this.statusCode = facts.statusCode;
    this.url = facts.url;
    this.requestId = facts.requestId;
    this.errorCode = facts.errorCode;
  }
}

export class RepoNotFoundError extends HubRequestError {}
export class RevisionNotFoundError extends HubRequestError {}
export class EntryNotFoundError extends HubRequestError {}
export class GatedRepoError extends HubRequestError {}
export class UnauthorizedError extends HubRequestError {}
export class RateLimitedError extends HubRequestError {
  get retryAfterSeconds(): number | undefined {
    return this.#retryAfter;
  }
  #retryAfter: number | undefined;
  constructor(facts: HubResponseFacts) {
    super("AOTIHUB_RATE_LIMITED", "the Hub kept rate-limiting us after every retry", {
      facts,
      hint: `wait${facts.retryAfterSeconds === undefined ? "" : ` ${facts.retryAfterSeconds} s`} and try again, or log in (HF_TOKEN) for a higher rate limit`,
    });
    this.#retryAfter = facts.retryAfterSeconds;
  }
}

/** Strip the query: signed CDN URLs carry credentials there. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url;
  }
}

/** Builds the typed error for a failed Hub response; the mapping huggingface_hub's `hf_raise_for_status` does. */
export function hubErrorFromResponse(facts: HubResponseFacts, what: string): HubRequestError {
  const { statusCode, errorCode } = facts;
  if (errorCode === "RevisionNotFound")
    return new RevisionNotFoundError("AOTIHUB_REVISION_NOT_FOUND", `revision not found for ${what}`, {
      facts,
      hint: "check the branch, tag or commit name",
    });
  if (errorCode === "EntryNotFound")
    return new EntryNotFoundError("AOTIHUB_ENTRY_NOT_FOUND", `file not found: ${what}`, {
      facts,
      hint: "check the path against the repository's file list",
    });
  if (errorCode === "GatedRepo")
    return new GatedRepoError("AOTIHUB_GATED_REPO", `${what} is gated`, {
      facts,
      hint: "accept the repository's terms on its Hub page, then set HF_TOKEN to a token of that account",
    });
  if (
    errorCode === "RepoNotFound" ||
    (statusCode === 401 && errorCode === undefined && facts.serverMessage?.includes("Repository"))
  )
    return new RepoNotFoundError("AOTIHUB_REPO_NOT_FOUND", `repository not found for ${what}`, {
      facts,
      hint: "check the repository id and type (--repo-type); for a private repo set HF_TOKEN",
    });
  if (statusCode === 401 || statusCode === 403)
    return new UnauthorizedError("AOTIHUB_UNAUTHORIZED", `not allowed to read ${what}`, {
      facts,
      hint: "set HF_TOKEN (or log in so $HF_HOME/token exists) with read access to this repository",
    });
  if (statusCode === 429) return new RateLimitedError(facts);
  if (statusCode === 404)
    return new EntryNotFoundError("AOTIHUB_ENTRY_NOT_FOUND", `not found: ${what}`, {
      facts,
      hint: "check the repository, revision and path",
    });
  return new HubRequestError("AOTIHUB_HUB_HTTP_ERROR", `the Hub answered an error for ${what}`, {
    facts,
    hint:
      statusCode >= 500
        ? "the server is failing: try again later"
        : "check the request; this may be a bug in aotihub",
  });
}

/** The network failed (reset, timeout, refused) after every retry, or a redirect loop. */
export class HubNetworkError extends AotihubError {
  readonly url: string;
  constructor(url: string, cause: unknown, detail?: string) {
    const reason =
      detail ??
      (cause instanceof Error
        ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}`
        : String(cause));
    super("AOTIHUB_NETWORK_ERROR", `could not reach ${safeUrl(url)}`, {
      expected: "a response from the Hub or its CDN",
      received: reason,
      hint: "check the connection and HF_ENDPOINT; files already cached are used with HF_HUB_OFFLINE=1",
      cause,
    });
    this.url = url;
  }
}

export class RedirectLoopError extends AotihubError {
  constructor(url: string, hops: string[]) {
    super("AOTIHUB_REDIRECT_LOOP", `too many redirects from ${safeUrl(url)}`, {
      expected: "at most 10 redirects ending in a response",
      received: hops.map(safeUrl).join(" -> "),
      hint: "the server or a proxy is misconfigured; check HF_ENDPOINT",
    });
  }
}

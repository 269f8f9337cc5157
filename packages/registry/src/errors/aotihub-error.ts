import type { AotihubErrorCode } from "./error-codes.js";

/**
 * The base of every error aotihub throws on purpose. `code` is stable (`AOTIHUB_*`) so callers can
 * branch on it across duplicate copies of the package (like undici's `UND_ERR_*`); the message says
 * what was expected, what came, and what to do.
 */
export interface AotihubErrorDetails {
  /** What we needed, in words a user understands ("a sha256 of 64 hex digits"). */
  expected?: string;
  /** What we got instead. */
  received?: string;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

/**
 * `new AotihubError(code, summary, details)`: a code from `ERROR_CODES`, a one-line summary, and the
 * details. A class for a family of codes (`HubRequestError`, `ModelLoadError`, `HubServerError`)
 * keeps this shape and may narrow `code`; a class for exactly one code fixes the code on the class
 * (undici's habit) and takes the facts it formats. Code outside this package throws a class, never
 * a bare `AotihubError`, where one exists for the code.
 */
export class AotihubError extends Error {
  readonly code: AotihubErrorCode;
  readonly expected: string | undefined;
  readonly received: string | undefined;
  readonly hint: string | undefined;

  constructor(code: AotihubErrorCode, summary: string, details: AotihubErrorDetails = {}) {
    super(
      formatMessage(summary, details),
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.expected = details.expected;
    this.received = details.received;
    this.hint = details.hint;
  }
}

function formatMessage(summary: string, { expected, received, hint }: AotihubErrorDetails): string {
  let message = summary;
  if (expected !== undefined) message += `\n  expected: ${expected}`;
  if (received !== undefined) message += `\n  received: ${received}`;
  if (hint !== undefined) message += `\n  what to do: ${hint}`;
  return message;
}

/** True for any aotihub error, including one thrown by another copy of the package. */
export function isAotihubError(error: unknown): error is AotihubError {
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("AOTIHUB_");
}

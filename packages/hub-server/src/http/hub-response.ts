import type { IncomingMessage, ServerResponse } from "node:http";
import { HubServerError } from "../hub-server-error.js";

/** The `X-Error-Code` values huggingface_hub and @huggingface/hub branch on. */
export type HubErrorCode = "RepoNotFound" | "RevisionNotFound" | "EntryNotFound" | "GatedRepo";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": bytes.byteLength,
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : bytes);
}

/**
 * An error the way the Hub sends it: the code in `X-Error-Code`, the text in `X-Error-Message`
 * and as `{ "error": ... }`, which is where both clients read it from.
 */
export function sendHubError(
  res: ServerResponse,
  status: number,
  message: string,
  code?: HubErrorCode,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { error: message },
    {
      ...(code ? { "X-Error-Code": code } : {}),
      // Header values must be one line of visible ASCII.
      "X-Error-Message": message.replace(/[^\x20-\x7e]+/g, " "),
      ...headers,
    },
  );
}

/** The origin the client used to reach us, so links we hand out work through any name for the host. */
export function requestOrigin(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  return host && /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? `http://${host}` : fallback;
}

/** Reads a request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A request body past the route's limit; the Hub answers 413 with the message. */
export class BodyTooLargeError extends HubServerError {
  constructor(readonly limit: number) {
    super("AOTIHUB_HUB_SERVER_REJECTED", `request body larger than ${limit} bytes`);
  }
}

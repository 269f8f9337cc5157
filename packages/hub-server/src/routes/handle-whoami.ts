import type { IncomingMessage, ServerResponse } from "node:http";
import { sendHubError, sendJson } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";

/** `GET /api/whoami-v2`: who a token belongs to, as `whoami()` reads it. */
export async function handleWhoami(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const caller = ctx.access.caller(req.headers.authorization);
  if (caller.kind !== "user") {
    sendHubError(res, 401, "Invalid credentials in Authorization header");
    return;
  }
  sendJson(res, 200, {
    type: "user",
    name: caller.user,
    auth: {
      type: "access_token",
      accessToken: { displayName: "local", role: caller.write ? "write" : "read" },
    },
  });
}

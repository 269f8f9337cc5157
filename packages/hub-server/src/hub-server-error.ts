import { AotihubError, type AotihubErrorDetails } from "@aotihub/registry";

/**
 * A local Hub that cannot start or serve as configured (a bad refs or access file, a port in use),
 * or a request it refuses (`AOTIHUB_HUB_SERVER_REJECTED`: the client gets it as an HTTP error).
 */
export class HubServerError extends AotihubError {
  constructor(
    code: "AOTIHUB_HUB_SERVER_CONFIG" | "AOTIHUB_HUB_SERVER_START" | "AOTIHUB_HUB_SERVER_REJECTED",
    summary: string,
    details: AotihubErrorDetails = {},
  ) {
    super(code, summary, details);
  }
}

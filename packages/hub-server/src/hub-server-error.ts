import { AotihubError, type AotihubErrorDetails } from "@aotihub/registry";

/** A local Hub that cannot start or serve as configured: a bad refs or access file, a port in use. */
export class HubServerError extends AotihubError {
  constructor(
    code: "AOTIHUB_HUB_SERVER_CONFIG" | "AOTIHUB_HUB_SERVER_START",
    summary: string,
    details: AotihubErrorDetails = {},
  ) {
    super(code, summary, details);
  }
}

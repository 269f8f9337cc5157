import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendHubError, sendJson } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import type { RepoRef } from "../repo/repo-id.js";
import { treeEntryJson } from "./entry-json.js";
import { isTrue } from "./handle-repo-info.js";
import { admitToRepo, resolveOrRefuse } from "./repo-gate.js";

/**
 * `POST /api/{type}s/{repo}/paths-info/{rev}`: the entries for the paths that exist (missing ones
 * are left out, as on the Hub). huggingface_hub posts a form, @huggingface/hub posts JSON.
 */
export async function handlePathsInfo(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: RepoRef,
  revision: string,
): Promise<void> {
  if (!(await admitToRepo(ctx, req, res, repo, "see"))) return;
  const request = parsePathsRequest(await readBody(req, 4 * 1024 * 1024), req.headers["content-type"]);
  if (!request) {
    sendHubError(res, 400, 'Expected a body with "paths" (JSON or form) and optional "expand"');
    return;
  }
  const resolved = await resolveOrRefuse(ctx, res, repo, revision);
  if (!resolved) return;
  const entries = request.paths
    .map((path) => treeEntryJson(resolved.snapshot, path.replace(/^\/+|\/+$/g, ""), request.expand))
    .filter((entry) => entry !== null);
  sendJson(res, 200, entries, { "X-Repo-Commit": resolved.snapshot.commit });
}

function parsePathsRequest(
  body: Buffer,
  contentType: string | undefined,
): { paths: string[]; expand: boolean } | null {
  const text = body.toString("utf8");
  if (contentType?.includes("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(text);
    return { paths: form.getAll("paths"), expand: isTrue(form.get("expand")) };
  }
  try {
    const json = JSON.parse(text) as { paths?: unknown; expand?: unknown };
    const paths = typeof json.paths === "string" ? [json.paths] : json.paths;
    if (!Array.isArray(paths) || !paths.every((path) => typeof path === "string")) return null;
    return { paths, expand: json.expand === true };
  } catch {
    return null;
  }
}

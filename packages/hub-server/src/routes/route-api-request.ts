import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultAction } from "../faults/fault-injector.js";
import { sendHubError } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import { isRepoNamePart, type RepoRef, repoTypeFromPlural } from "../repo/repo-id.js";
import { handleCommit } from "./handle-commit.js";
import { handleCreateRepo } from "./handle-create-repo.js";
import { handleLfsBatch } from "./handle-lfs-batch.js";
import { handlePathsInfo } from "./handle-paths-info.js";
import { handlePreupload } from "./handle-preupload.js";
import { handleRefs } from "./handle-refs.js";
import { handleRepoInfo } from "./handle-repo-info.js";
import { handleResolve } from "./handle-resolve.js";
import { handleTree } from "./handle-tree.js";
import { handleWhoami } from "./handle-whoami.js";

/**
 * Dispatches a request of the API origin: `/api/...` routes by repo type, and the web routes
 * `/{prefix}{org}/{name}/resolve|raw/...` and `/{prefix}{org}/{name}.git/info/lfs/objects/batch`,
 * where `{prefix}` is empty for models, `datasets/` or `kernels/` otherwise.
 */
export async function routeApiRequest(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  fault: FaultAction | null,
): Promise<void> {
  const segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
  const method = req.method ?? "GET";
  const query = url.searchParams;
  const allow = (...methods: string[]): boolean => {
    if (methods.includes(method)) return true;
    sendHubError(res, 405, `Method ${method} not allowed here; use ${methods.join(" or ")}`);
    return false;
  };

  if (segments[0] === "api") {
    if (segments[1] === "whoami-v2") return allow("GET") ? handleWhoami(ctx, req, res) : undefined;
    if (segments[1] === "repos" && segments[2] === "create") {
      return allow("POST") ? handleCreateRepo(ctx, req, res) : undefined;
    }
    const type = repoTypeFromPlural(segments[1] ?? "");
    const repo = type ? repoFrom(type, segments[2], segments[3]) : null;
    if (!repo) return notFound(res, url);
    const [action, ...rest] = segments.slice(4);
    switch (action) {
      case undefined:
        return allow("GET", "HEAD") ? handleRepoInfo(ctx, req, res, repo, "main", query) : undefined;
      case "revision":
        return allow("GET", "HEAD") ? handleRepoInfo(ctx, req, res, repo, rest.join("/"), query) : undefined;
      case "tree":
        return allow("GET") ? handleTree(ctx, req, res, repo, rest, query) : undefined;
      case "paths-info":
        return allow("POST") ? handlePathsInfo(ctx, req, res, repo, rest.join("/")) : undefined;
      case "refs":
        return allow("GET") ? handleRefs(ctx, req, res, repo) : undefined;
      case "preupload":
        return allow("POST") ? handlePreupload(ctx, req, res, repo, rest.join("/")) : undefined;
      case "commit":
        return allow("POST") ? handleCommit(ctx, req, res, repo, rest.join("/"), query) : undefined;
      default:
        return notFound(res, url);
    }
  }

  const typed = repoTypeFromPlural(segments[0] ?? "");
  const type = typed === "dataset" || typed === "kernel" ? typed : "model";
  const [org, name, action, ...rest] = type === "model" ? segments : segments.slice(1);
  if (name?.endsWith(".git") && action === "info" && rest.join("/") === "lfs/objects/batch") {
    const repo = repoFrom(type, org, name.slice(0, -".git".length));
    if (!repo) return notFound(res, url);
    return allow("POST") ? handleLfsBatch(ctx, req, res, repo) : undefined;
  }
  if (action === "resolve" || action === "raw") {
    const repo = repoFrom(type, org, name);
    if (!repo) return notFound(res, url);
    return allow("GET", "HEAD")
      ? handleResolve(ctx, req, res, repo, rest, action === "raw", fault)
      : undefined;
  }
  return notFound(res, url);
}

function repoFrom(type: RepoRef["type"], org: string | undefined, name: string | undefined): RepoRef | null {
  if (!org || !name || !isRepoNamePart(org) || !isRepoNamePart(name)) return null;
  return { type, id: `${org}/${name}` };
}

function notFound(res: ServerResponse, url: URL): void {
  sendHubError(res, 404, `Sorry, we can't find the page you are looking for: ${url.pathname}`);
}

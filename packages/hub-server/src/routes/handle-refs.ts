import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import type { RepoRef } from "../repo/repo-id.js";
import { admitToRepo } from "./repo-gate.js";

/** `GET /api/{type}s/{repo}/refs`: branches and tags with their commits, as `list_repo_refs` reads them. */
export async function handleRefs(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: RepoRef,
): Promise<void> {
  if (!(await admitToRepo(ctx, req, res, repo, "see"))) return;
  const refs = await ctx.store.listRefs(repo);
  const refJson = (prefix: string) => (ref: { name: string; commit: string }) => ({
    name: ref.name,
    ref: `${prefix}${ref.name}`,
    targetCommit: ref.commit,
  });
  sendJson(res, 200, {
    branches: refs.branches.map(refJson("refs/heads/")),
    tags: refs.tags.map(refJson("refs/tags/")),
    converts: [],
    pullRequests: [],
  });
}

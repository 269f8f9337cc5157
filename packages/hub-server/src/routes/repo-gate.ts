import type { IncomingMessage, ServerResponse } from "node:http";
import { ACCESS_FILE_NAME } from "../access/access-config.js";
import type { Caller } from "../access/repo-access.js";
import { sendHubError } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import type { RepoRef } from "../repo/repo-id.js";
import type { ResolvedRevision } from "../repo/repo-store.js";

/** What a request must be allowed to do with a repo. */
export type RepoNeed = "see" | "content" | "write";

/**
 * Checks the caller against a repo the way the Hub answers: a bad token is 401; a missing or
 * hidden private repo is `RepoNotFound` (401 without a token, 404 with one, so a private repo's
 * existence never leaks); a gated repo's files are `GatedRepo` (401 / 403). Returns the caller,
 * or null after answering.
 */
export async function admitToRepo(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: RepoRef,
  need: RepoNeed,
): Promise<Caller | null> {
  const caller = ctx.access.caller(req.headers.authorization);
  if (caller.kind === "invalid-token") {
    sendHubError(res, 401, "Invalid credentials in Authorization header");
    return null;
  }
  const anonymous = caller.kind === "anonymous";
  if (!(await ctx.store.exists(repo)) || !ctx.access.canSee(repo, caller)) {
    sendHubError(res, anonymous ? 401 : 404, `Repository not found: ${repo.id}`, "RepoNotFound");
    return null;
  }
  if (need === "content" && !ctx.access.canReadContent(repo, caller)) {
    const message = `Access to ${repo.id} is restricted: you must have access to it and be authenticated to access it.`;
    sendHubError(res, anonymous ? 401 : 403, message, "GatedRepo");
    return null;
  }
  if (need === "write" && !ctx.access.canWrite(repo, caller)) {
    sendHubError(
      res,
      anonymous ? 401 : 403,
      `You don't have the rights to write to ${repo.id}: it needs a write token of ${repo.id.split("/")[0]} or of a member of that organisation (orgs in ${ACCESS_FILE_NAME})`,
    );
    return null;
  }
  return caller;
}

/** Resolves a revision or answers `RevisionNotFound`. */
export async function resolveOrRefuse(
  ctx: HubContext,
  res: ServerResponse,
  repo: RepoRef,
  revision: string,
): Promise<ResolvedRevision | null> {
  const resolved = await ctx.store.resolveRevision(repo, revision);
  if (!resolved) sendHubError(res, 404, `Invalid rev id: ${revision}`, "RevisionNotFound");
  return resolved;
}

/**
 * Splits `rev/path...` segments: the revision is the shortest prefix that names one, so a branch
 * with a "/" works whether the client encoded it (`refs%2Fpr%2F1`) or not.
 */
export async function splitRevisionAndPath(
  ctx: HubContext,
  repo: RepoRef,
  segments: readonly string[],
): Promise<{ revision: string; path: string; resolved: ResolvedRevision | null }> {
  for (let cut = 1; cut <= segments.length; cut++) {
    const revision = segments.slice(0, cut).join("/");
    const resolved = await ctx.store.resolveRevision(repo, revision);
    if (resolved) return { revision, path: segments.slice(cut).join("/"), resolved };
  }
  return { revision: segments[0] ?? "", path: segments.slice(1).join("/"), resolved: null };
}

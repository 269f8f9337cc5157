import { mkdir } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ACCESS_FILE_NAME } from "../access/access-config.js";
import { readBody, sendHubError, sendJson } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import { isRepoNamePart, type RepoRef, repoUrlPrefix } from "../repo/repo-id.js";

/**
 * `POST /api/repos/create` (`create_repo`, `createRepo`): makes an empty repo folder. A private
 * repo stays private for the life of the server; list it in the access file to keep it so.
 */
export async function handleCreateRepo(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const caller = ctx.access.caller(req.headers.authorization);
  if (caller.kind !== "user" || !caller.write) {
    sendHubError(res, 401, "Creating a repo needs a token with write access");
    return;
  }
  let body: {
    name?: unknown;
    organization?: unknown;
    type?: unknown;
    private?: unknown;
    visibility?: unknown;
  };
  try {
    body = JSON.parse((await readBody(req, 1024 * 1024)).toString("utf8"));
  } catch {
    sendHubError(res, 400, "Expected a JSON body");
    return;
  }
  const type = body.type ?? "model";
  const org = typeof body.organization === "string" ? body.organization : caller.user;
  if (
    (type !== "model" && type !== "dataset" && type !== "kernel") ||
    typeof body.name !== "string" ||
    !isRepoNamePart(body.name) ||
    !isRepoNamePart(org)
  ) {
    sendHubError(res, 400, "Expected { name, organization?, type?: model|dataset|kernel } with valid names");
    return;
  }
  if (!ctx.access.mayWriteNamespace(org, caller)) {
    sendHubError(
      res,
      403,
      `You don't have the rights to create a repo under ${org}: ${caller.user} is not a member of it (orgs in ${ACCESS_FILE_NAME})`,
    );
    return;
  }
  const repo: RepoRef = { type, id: `${org}/${body.name}` };
  const url = `${ctx.apiOrigin(req)}/${repoUrlPrefix(type)}${repo.id}`;
  if (await ctx.store.exists(repo)) {
    sendJson(res, 409, { error: `You already created this ${type} repo`, url });
    return;
  }
  await mkdir(ctx.store.repoFolder(repo), { recursive: true });
  if (body.private === true || body.visibility === "private") ctx.access.markPrivate(repo);
  sendJson(res, 200, { url, name: repo.id, id: repo.id });
}

import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendHubError, sendJson } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import type { RepoRef } from "../repo/repo-id.js";
import { admitToRepo, resolveOrRefuse } from "./repo-gate.js";

/**
 * `POST /api/{type}s/{repo}/preupload/{branch}`: tells the client, per file, whether it goes
 * through LFS (by the same rule the server serves with) or inline in the commit.
 */
export async function handlePreupload(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: RepoRef,
  branch: string,
): Promise<void> {
  if (!(await admitToRepo(ctx, req, res, repo, "write"))) return;
  let files: { path: string; size: number }[];
  try {
    const json = JSON.parse((await readBody(req, 16 * 1024 * 1024)).toString("utf8")) as { files?: unknown };
    if (!Array.isArray(json.files)) throw new Error("no files");
    files = json.files.map((file: { path?: unknown; size?: unknown }) => {
      if (typeof file.path !== "string" || typeof file.size !== "number") throw new Error("bad file");
      return { path: file.path, size: file.size };
    });
  } catch {
    sendHubError(res, 400, 'Expected JSON { "files": [{ "path", "size", "sample" }] }');
    return;
  }
  const resolved = await resolveOrRefuse(ctx, res, repo, branch);
  if (!resolved) return;
  sendJson(res, 200, {
    files: files.map((file) => {
      const current = resolved.snapshot.files.get(file.path);
      return {
        path: file.path,
        uploadMode: ctx.isLfs(file.path, file.size) ? "lfs" : "regular",
        shouldIgnore: false,
        ...(current ? { oid: current.oid } : {}),
      };
    }),
    commitOid: resolved.snapshot.commit,
  });
}

import type { IncomingMessage, ServerResponse } from "node:http";
import { sendHubError, sendJson } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import { type RepoRef, repoTypePlural } from "../repo/repo-id.js";
import { treeEntryJson, walkTree } from "./entry-json.js";
import { isTrue } from "./handle-repo-info.js";
import { admitToRepo, splitRevisionAndPath } from "./repo-gate.js";

/**
 * `GET /api/{type}s/{repo}/tree/{rev}[/{path}]?recursive=&expand=&cursor=`: one page of entries
 * and, when more remain, `Link: <next>; rel="next"`, which both clients follow.
 */
export async function handleTree(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: RepoRef,
  segments: readonly string[],
  query: URLSearchParams,
): Promise<void> {
  if (!(await admitToRepo(ctx, req, res, repo, "see"))) return;
  const { revision, path, resolved } = await splitRevisionAndPath(ctx, repo, segments);
  if (!resolved) {
    sendHubError(res, 404, `Invalid rev id: ${revision}`, "RevisionNotFound");
    return;
  }
  const { snapshot } = resolved;
  const folder = path.replace(/\/+$/, "");
  if (folder !== "" && !snapshot.folders.has(folder)) {
    sendHubError(res, 404, `Entry not found: ${folder} is not a folder at ${revision}`, "EntryNotFound", {
      "X-Repo-Commit": snapshot.commit,
    });
    return;
  }
  const recursive = isTrue(query.get("recursive"));
  const expand = isTrue(query.get("expand"));
  const all = [...walkTree(snapshot, folder, recursive)];
  const offset = decodeCursor(query.get("cursor"));
  if (offset === null || offset > all.length) {
    sendHubError(res, 400, "Invalid cursor");
    return;
  }
  const limit = query.has("limit") ? Math.max(1, Number(query.get("limit")) || 1) : ctx.treePageSize;
  const page = all.slice(offset, offset + limit);
  const headers: Record<string, string> = { "X-Repo-Commit": snapshot.commit };
  if (offset + page.length < all.length) {
    const next = new URL(
      `${ctx.apiOrigin(req)}/api/${repoTypePlural(repo.type)}/${repo.id}/tree/${encodeURIComponent(revision)}` +
        (folder ? `/${folder.split("/").map(encodeURIComponent).join("/")}` : ""),
    );
    next.searchParams.set("recursive", String(recursive));
    next.searchParams.set("expand", String(expand));
    if (query.has("limit")) next.searchParams.set("limit", String(limit));
    next.searchParams.set("cursor", encodeCursor(offset + page.length));
    headers.Link = `<${next.href}>; rel="next"`;
  }
  sendJson(
    res,
    200,
    page.map((entry) => treeEntryJson(snapshot, entry, expand)),
    headers,
  );
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

function decodeCursor(cursor: string | null): number | null {
  if (cursor === null) return 0;
  try {
    const offset: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")).offset;
    return Number.isSafeInteger(offset) && (offset as number) >= 0 ? (offset as number) : null;
  } catch {
    return null;
  }
}

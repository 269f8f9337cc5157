import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import type { RepoRef } from "../repo/repo-id.js";
import { admitToRepo, resolveOrRefuse } from "./repo-gate.js";

/**
 * `GET /api/{type}s/{repo}[/revision/{rev}]`: what `model_info` / `repo_info` / `kernel_info` read,
 * `sha` above all (snapshot_download resolves a branch to a commit with it) and `siblings`
 * (with sizes and LFS ids when `?blobs=true`).
 */
export async function handleRepoInfo(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: RepoRef,
  revision: string,
  query: URLSearchParams,
): Promise<void> {
  if (!(await admitToRepo(ctx, req, res, repo, "see"))) return;
  const resolved = await resolveOrRefuse(ctx, res, repo, revision);
  if (!resolved) return;
  const { snapshot } = resolved;
  const blobs = isTrue(query.get("blobs"));
  const visibility = ctx.access.visibility(repo);
  const siblings = [...snapshot.files.values()].map((file) => ({
    rfilename: file.path,
    ...(blobs
      ? {
          size: file.size,
          blobId: file.oid,
          ...(file.lfs
            ? { lfs: { sha256: file.lfs.oid, size: file.lfs.size, pointerSize: file.lfs.pointerSize } }
            : {}),
        }
      : {}),
  }));
  const usedStorage = [...snapshot.files.values()].reduce((sum, file) => sum + file.size, 0);
  sendJson(res, 200, {
    _id: createHash("sha1").update(`${repo.type}/${repo.id}`).digest("hex").slice(0, 24),
    id: repo.id,
    author: repo.id.split("/")[0],
    sha: snapshot.commit,
    lastModified: snapshot.lastModified.toISOString(),
    createdAt: snapshot.lastModified.toISOString(),
    private: visibility.private,
    gated: visibility.gated,
    disabled: false,
    downloads: 0,
    likes: 0,
    tags: [],
    siblings,
    usedStorage,
  });
}

/** Query flags as both clients send them: `true`/`True`/`1`. */
export function isTrue(value: string | null): boolean {
  return value !== null && ["true", "1", "yes"].includes(value.toLowerCase());
}

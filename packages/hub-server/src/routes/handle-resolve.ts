import type { IncomingMessage, ServerResponse } from "node:http";
import { isBodyFault } from "../faults/apply-fault.js";
import type { FaultAction } from "../faults/fault-injector.js";
import { quoteEtag } from "../http/entity-tag.js";
import { sendHubError } from "../http/hub-response.js";
import { sendRepresentation } from "../http/send-representation.js";
import type { HubContext } from "../hub-context.js";
import { lfsPointer } from "../repo/lfs-pointer.js";
import { type RepoRef, repoKey } from "../repo/repo-id.js";
import { admitToRepo, splitRevisionAndPath } from "./repo-gate.js";

/**
 * `HEAD|GET /{prefix}{repo}/resolve/{rev}/{path}` (and `/raw/`, which serves what git stores: the
 * pointer for an LFS file). Small files are answered here with `ETag` = git blob sha1; LFS files
 * get a 302 to a signed CDN URL with `X-Linked-Etag` (sha256) and `X-Linked-Size`. Every answer,
 * errors for a missing entry included, carries `X-Repo-Commit`: clients file the download (or
 * the `.no_exist` marker) under it.
 */
export async function handleResolve(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: RepoRef,
  segments: readonly string[],
  raw: boolean,
  fault: FaultAction | null,
): Promise<void> {
  if (!(await admitToRepo(ctx, req, res, repo, "content"))) return;
  const bodyFault = isBodyFault(fault) ? fault : null;
  const { revision, path, resolved } = await splitRevisionAndPath(ctx, repo, segments);
  if (!resolved) {
    sendHubError(res, 404, `Invalid rev id: ${revision}`, "RevisionNotFound");
    return;
  }
  const { snapshot } = resolved;
  const file = snapshot.files.get(path);
  if (!file) {
    sendHubError(res, 404, `Entry not found: ${path} at ${revision}`, "EntryNotFound", {
      "X-Repo-Commit": snapshot.commit,
    });
    return;
  }
  const common = {
    "X-Repo-Commit": snapshot.commit,
    "Content-Disposition": `inline; filename*=UTF-8''${encodeURIComponent(path.split("/").at(-1)!)}`,
  };
  if (file.lfs && raw) {
    const pointer = lfsPointer(file.lfs.oid, file.lfs.size);
    await sendRepresentation(req, res, {
      source: { bytes: pointer },
      size: pointer.byteLength,
      etag: file.oid,
      headers: { ...common, "Content-Type": "text/plain; charset=utf-8" },
      fault: bodyFault,
    });
    return;
  }
  if (file.lfs) {
    const location = ctx.signer.sign({
      action: "download",
      sha256: file.sha256,
      size: file.size,
      repo: repoKey(repo),
      commit: snapshot.commit,
      // an `expired-cdn-url` fault hands out a URL that expired a second ago: the CDN says 403
      expires:
        Math.floor(Date.now() / 1000) + (fault?.type === "expired-cdn-url" ? -1 : ctx.cdn.urlTtlSeconds),
    });
    res.writeHead(302, {
      ...common,
      Location: `${ctx.cdnOrigin(req)}${location}`,
      "X-Linked-Etag": quoteEtag(file.etag),
      "X-Linked-Size": String(file.size),
      "Content-Length": 0,
    });
    res.end();
    return;
  }
  await sendRepresentation(req, res, {
    source: { path: file.absolutePath, from: ctx.fileBytes },
    size: file.size,
    etag: file.etag,
    headers: { ...common, "Content-Type": contentTypeOf(path), "Last-Modified": file.mtime.toUTCString() },
    fault: bodyFault,
  });
}

function contentTypeOf(path: string): string {
  if (path.endsWith(".json")) return "application/json; charset=utf-8";
  if (/\.(md|txt|py|cpp|h|yaml|yml|toml|cfg)$/.test(path) || path.endsWith(".gitattributes")) {
    return "text/plain; charset=utf-8";
  }
  return "application/octet-stream";
}

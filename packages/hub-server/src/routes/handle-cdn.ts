import type { IncomingMessage, ServerResponse } from "node:http";
import { isBodyFault } from "../faults/apply-fault.js";
import type { FaultAction } from "../faults/fault-injector.js";
import { quoteEtag } from "../http/entity-tag.js";
import { sendRepresentation } from "../http/send-representation.js";
import type { HubContext } from "../hub-context.js";
import { LfsUploadRejectedError } from "../publish/lfs-upload-store.js";
import { repoFromKey } from "../repo/repo-id.js";

/**
 * The CDN origin: LFS objects by sha256 behind signed, expiring URLs (GET/HEAD, ranges, paced per
 * connection) and the upload target the LFS batch API hands out (PUT). It ignores
 * `Authorization`, as a real CDN would: the signature is the grant.
 */
export async function handleCdn(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  fault: FaultAction | null,
): Promise<void> {
  const grant = ctx.signer.verify(url.pathname, url.searchParams, Date.now() / 1000);
  if (grant === "invalid" || grant === "expired") {
    sendCdnError(res, 403, grant === "expired" ? "Request has expired" : "Invalid signature");
    return;
  }
  // The grant names the repo it was signed for; objects are looked up in that repo only.
  const repo = repoFromKey(grant.repo);
  if (!repo) return sendCdnError(res, 403, "Invalid signature");
  if (grant.action === "upload") {
    if (req.method !== "PUT") return sendCdnError(res, 405, "Use PUT to upload");
    try {
      await ctx.uploads.receive(repo, grant.sha256, grant.size, req);
    } catch (error) {
      if (error instanceof LfsUploadRejectedError) return sendCdnError(res, 400, error.message);
      throw error;
    }
    res.writeHead(200, { ETag: quoteEtag(grant.sha256), "Content-Length": 0 }).end();
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") return sendCdnError(res, 405, "Use GET or HEAD");
  const committed = await ctx.store.lfsObject(repo, grant.sha256);
  const path =
    committed?.absolutePath ??
    ((await ctx.uploads.has(repo, grant.sha256, grant.size)) ? ctx.uploads.pathOf(repo, grant.sha256) : null);
  if (!path) return sendCdnError(res, 404, "No such object (the file changed since the URL was signed)");
  await sendRepresentation(req, res, {
    source: { path, from: ctx.fileBytes },
    size: grant.size,
    etag: grant.sha256,
    // What huggingface_hub needs when it follows the redirect itself (same host name): the commit.
    headers: { "X-Repo-Commit": grant.commit, "Content-Type": "application/octet-stream" },
    bytesPerSecond: ctx.cdn.bytesPerSecond,
    fault: isBodyFault(fault) ? fault : null,
  });
}

function sendCdnError(res: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Message>${message}</Message></Error>`,
  );
  res.writeHead(status, { "Content-Type": "application/xml", "Content-Length": body.byteLength });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

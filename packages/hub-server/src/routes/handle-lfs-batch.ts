import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendHubError, sendJson } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import { type RepoRef, repoKey } from "../repo/repo-id.js";
import { admitToRepo } from "./repo-gate.js";

/**
 * `POST /{prefix}{repo}.git/info/lfs/objects/batch` (git-lfs batch API). We answer with the
 * `basic` transfer even when the client offers `xet`: @huggingface/hub then uploads each object
 * with one PUT to the signed CDN URL, and objects already stored get no action (nothing to send).
 */
export async function handleLfsBatch(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: RepoRef,
): Promise<void> {
  let request: { operation: string; objects: { oid: string; size: number }[] };
  try {
    request = JSON.parse((await readBody(req, 16 * 1024 * 1024)).toString("utf8"));
    if (!Array.isArray(request.objects)) throw new Error("no objects");
  } catch {
    sendHubError(
      res,
      400,
      'Expected a git-lfs batch request { "operation", "objects": [{ "oid", "size" }] }',
    );
    return;
  }
  const upload = request.operation === "upload";
  if (!(await admitToRepo(ctx, req, res, repo, upload ? "write" : "content"))) return;
  const main = await ctx.store.resolveRevision(repo, "main");
  const expires = Math.floor(Date.now() / 1000) + ctx.cdn.urlTtlSeconds;
  const objects = await Promise.all(
    request.objects.map(async ({ oid, size }) => {
      if (typeof oid !== "string" || !/^[0-9a-f]{64}$/.test(oid) || !Number.isSafeInteger(size) || size < 0) {
        return {
          oid,
          size,
          error: { code: 422, message: "oid must be a sha256 (64 hex) and size a byte count" },
        };
      }
      // Only this repo's objects count as stored: the answer must not tell whether another repo
      // (maybe a private one) holds this sha256.
      const stored =
        (await ctx.uploads.has(repo, oid, size)) || (await ctx.store.lfsObject(repo, oid))?.size === size;
      const grant = { sha256: oid, size, repo: repoKey(repo), commit: main?.snapshot.commit ?? "", expires };
      if (upload) {
        if (stored) return { oid, size };
        const href = `${ctx.cdnOrigin(req)}${ctx.signer.sign({ ...grant, action: "upload" })}`;
        return {
          oid,
          size,
          authenticated: true,
          actions: { upload: { href, expires_in: ctx.cdn.urlTtlSeconds } },
        };
      }
      if (!stored) return { oid, size, error: { code: 404, message: "Object does not exist" } };
      const href = `${ctx.cdnOrigin(req)}${ctx.signer.sign({ ...grant, action: "download" })}`;
      return {
        oid,
        size,
        authenticated: true,
        actions: { download: { href, expires_in: ctx.cdn.urlTtlSeconds } },
      };
    }),
  );
  sendJson(res, 200, { transfer: "basic", objects }, { "Content-Type": "application/vnd.git-lfs+json" });
}

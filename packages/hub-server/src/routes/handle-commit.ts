import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendHubError, sendJson } from "../http/hub-response.js";
import type { HubContext } from "../hub-context.js";
import { applyCommit, CommitConflictError } from "../publish/apply-commit.js";
import { parseCommitBody } from "../publish/commit-operations.js";
import { type RepoRef, repoUrlPrefix } from "../repo/repo-id.js";
import { admitToRepo } from "./repo-gate.js";

/**
 * `POST /api/{type}s/{repo}/commit/{branch}` with an NDJSON body: applies the operations to the
 * branch's folder and answers with the new commit id (which, being the hash of the new tree,
 * is what every later read of the branch reports).
 */
export async function handleCommit(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: RepoRef,
  branch: string,
  query: URLSearchParams,
): Promise<void> {
  if (!(await admitToRepo(ctx, req, res, repo, "write"))) return;
  if (query.get("create_pr") === "1") {
    sendHubError(res, 400, "The local Hub does not support pull requests; commit to a branch instead");
    return;
  }
  const parsed = parseCommitBody((await readBody(req, 512 * 1024 * 1024)).toString("utf8"));
  if ("problems" in parsed) {
    sendHubError(res, 400, `Invalid commit: ${parsed.problems.join("; ")}`);
    return;
  }
  const folder = await ctx.store.branchFolder(repo, branch);
  if (!folder) {
    sendHubError(
      res,
      404,
      `Invalid rev id: ${branch} (commits go to an existing branch)`,
      "RevisionNotFound",
    );
    return;
  }
  try {
    const commit = await ctx.store.withWriteLock(repo, async () => {
      const before = await ctx.store.resolveRevision(repo, branch);
      if (!before) throw new CommitConflictError(404, `Branch ${branch} disappeared`);
      if (parsed.parentCommit !== undefined && parsed.parentCommit !== before.snapshot.commit) {
        throw new CommitConflictError(412, "A commit has happened since. Please refresh and try again.");
      }
      // Only this repo's objects: an object known elsewhere must be uploaded again to be committed here.
      await applyCommit(folder, before.snapshot, parsed.operations, async (sha256, size) => {
        if (await ctx.uploads.has(repo, sha256, size)) return ctx.uploads.pathOf(repo, sha256);
        const committed = await ctx.store.lfsObject(repo, sha256);
        return committed && (size === undefined || committed.size === size) ? committed.absolutePath : null;
      });
      return (await ctx.store.resolveRevision(repo, branch))!.snapshot.commit;
    });
    sendJson(res, 200, {
      success: true,
      commitOid: commit,
      commitUrl: `${ctx.apiOrigin(req)}/${repoUrlPrefix(repo.type)}${repo.id}/commit/${commit}`,
      commitMessage: parsed.summary,
      hookOutput: "",
    });
  } catch (error) {
    if (!(error instanceof CommitConflictError)) throw error;
    sendHubError(res, error.status, error.message);
  }
}

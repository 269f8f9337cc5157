import type { RepoId } from "@aotihub/registry";
import { AotihubError } from "@aotihub/registry";

/** The file is not in the cache and we may not (or cannot) ask the Hub. */
export class NotInCacheError extends AotihubError {
  constructor(repo: RepoId, revision: string, path: string | undefined, why: string, cause?: unknown) {
    const what = `${repo.type} ${repo.name}@${revision}${path === undefined ? "" : `/${path}`}`;
    super("AOTIHUB_NOT_IN_CACHE", `${what} is not in the local cache and ${why}`, {
      expected: `a cached snapshot of ${what}`,
      received: "nothing under refs/ or snapshots/ for it",
      hint: `run \`aotihub download ${repo.name}${repo.type === "model" ? "" : ` --repo-type ${repo.type}`} --revision ${revision}${path === undefined ? "" : ` ${path}`}\` with network access (unset HF_HUB_OFFLINE), or point HF_HUB_CACHE at a cache that has it`,
      cause,
    });
  }
}

/** The Hub told us earlier that this file does not exist at this commit (`.no_exist/`). */
export class KnownMissingError extends AotihubError {
  constructor(repo: RepoId, commit: string, path: string) {
    super("AOTIHUB_ENTRY_NOT_FOUND", `${path} does not exist in ${repo.name} at ${commit}`, {
      expected: "a file that exists at this commit",
      received: "a .no_exist marker recorded from an earlier Hub answer",
      hint: "check the path, or use a revision that has it",
    });
  }
}

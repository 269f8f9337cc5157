import { AotihubError } from "@aotihub/registry";
import picomatch from "picomatch";

/** Why compiled code from a repo may be loaded. */
export type TrustReason = "lockfile" | "config" | "trustRemoteCode";

export interface TrustInputs {
  /** True when the project lockfile pins this repo (its commit and every sha256). */
  pinnedByLockfile: boolean;
  /** `trustedRepos` from aotihub.config.json: exact ids or globs such as `my-org/*`. */
  trustedRepos: readonly string[];
  trustRemoteCode?: boolean;
}

/**
 * Loading a `.so` runs its code with the process's rights, so it is allowed only for repos the
 * project vouched for: pinned by the lockfile, listed as trusted, or an explicit opt-in.
 * docs/security.md holds the threat model.
 */
export function assertTrusted(repo: string, inputs: TrustInputs): TrustReason {
  if (inputs.pinnedByLockfile) return "lockfile";
  if (inputs.trustedRepos.some((pattern) => picomatch.isMatch(repo, pattern))) return "config";
  if (inputs.trustRemoteCode === true) return "trustRemoteCode";
  throw new AotihubError(
    "AOTIHUB_UNTRUSTED_REPO",
    `Refusing to load compiled code from ${repo}: loading a model runs its native code, and nothing vouches for this repo.`,
    {
      expected:
        "a repo pinned in aotihub.lock, listed in aotihub.config.json trustedRepos, or trustRemoteCode: true",
      received: repo,
      hint: `review the repo, then run \`aotihub lock ${repo}\`, or add "${repo}" to "trustedRepos" in aotihub.config.json, or pass { trustRemoteCode: true }`,
    },
  );
}

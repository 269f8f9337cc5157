import { unsafeRepoPathReason } from "@aotihub/registry";
import { isHiddenFromTree } from "../repo/scan-repo-tree.js";

/**
 * Whether a path sent in a commit may become a file in a repo folder: the registry's one rule for
 * paths from outside (relative, "/"-separated, no empty, "." or ".." parts), and nothing of ours or
 * git's. Commits carry paths from the network, so this is what keeps every write inside the repo.
 */
export function isSafeRepoPath(path: string): boolean {
  return unsafeRepoPathReason(path) === null && !path.split("/").some(isHiddenFromTree);
}

import { isHiddenFromTree } from "../repo/scan-repo-tree.js";

/**
 * Whether a path sent in a commit may become a file in a repo folder: relative, "/"-separated,
 * no empty, "." or ".." parts, nothing of ours or git's. Commits carry paths from the network, so
 * this is what keeps every write inside the repo.
 */
export function isSafeRepoPath(path: string): boolean {
  if (
    path === "" ||
    path.length > 1024 ||
    path.startsWith("/") ||
    path.includes("\\") ||
    path.includes("\0")
  ) {
    return false;
  }
  return path
    .split("/")
    .every((part) => part !== "" && part !== "." && part !== ".." && !isHiddenFromTree(part));
}

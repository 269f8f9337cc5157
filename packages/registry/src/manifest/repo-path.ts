/** Longest repo path accepted: far beyond any real file, short enough to bound every join. */
export const MAX_REPO_PATH_LENGTH = 1024;

/**
 * The one rule for a path that came from outside (a manifest, a Hub tree listing, a commit, a zip
 * entry, a shard name) and will be joined onto a folder: it must not be able to leave that folder or
 * mean different files on different systems. Returns why it cannot be used (a noun phrase, e.g.
 * "an absolute path"), or null when it is a clean relative POSIX path.
 */
export function unsafeRepoPathReason(path: string): string | null {
  if (path.length === 0) return "an empty path";
  if (path.length > MAX_REPO_PATH_LENGTH) return `a path longer than ${MAX_REPO_PATH_LENGTH} characters`;
  if (path.includes("\0")) return "a NUL character";
  if (path.includes("\\")) return "a backslash (Windows separator)";
  if (path.startsWith("/")) return "an absolute path";
  if (/^[A-Za-z]:/.test(path)) return "a drive letter";
  for (const segment of path.split("/")) {
    if (segment === "..") return "a '..' segment (path traversal)";
    if (segment === ".") return "a '.' segment";
    if (segment === "") return "an empty path segment";
  }
  return null;
}

/** The same rule as a sentence about `path`, for messages that list problems (the manifest's). */
export function repoPathProblem(path: string): string | null {
  const reason = unsafeRepoPathReason(path);
  if (reason === null) return null;
  return `"${path}" is not a plain relative path (${reason}); give a path relative to the repo root with "/" between folders`;
}

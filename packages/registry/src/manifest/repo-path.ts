/**
 * Why this check exists: manifest paths are joined onto cache and download folders by the loader,
 * so a path must not be able to leave the repo (`..`, absolute, backslashes, empty segments).
 * Returns a problem sentence, or null when the path is a clean relative POSIX path.
 */
export function repoPathProblem(path: string): string | null {
  if (path.length === 0) return "is empty; give a path relative to the repo root";
  if (path.startsWith("/")) return `"${path}" is absolute; give a path relative to the repo root`;
  if (path.includes("\\")) return `"${path}" contains a backslash; use "/" between folders`;
  for (const segment of path.split("/")) {
    if (segment === "" || segment === "." || segment === "..") {
      return `"${path}" has an empty, "." or ".." segment; give a plain relative path`;
    }
  }
  return null;
}

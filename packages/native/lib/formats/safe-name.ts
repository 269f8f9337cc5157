/**
 * Why a path read from a file (a zip entry name, a shard file name) cannot be used as a relative
 * path, or null when it can. Rejects what lets a name escape its folder or mean different files on
 * different systems: absolute paths, drive letters, backslashes, `.`/`..`/empty segments, NUL.
 */
export function unsafeNameReason(name: string): string | null {
  if (name.length === 0) return "an empty name";
  if (name.includes("\0")) return "a NUL character";
  if (name.includes("\\")) return "a backslash (Windows separator)";
  if (name.startsWith("/")) return "an absolute path";
  if (/^[A-Za-z]:/.test(name)) return "a drive letter";
  for (const segment of name.split("/")) {
    if (segment === "..") return "a '..' segment (path traversal)";
    if (segment === ".") return "a '.' segment";
    if (segment === "") return "an empty path segment";
  }
  return null;
}

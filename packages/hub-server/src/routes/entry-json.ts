import type { RepoFileEntry, RepoFolderEntry, RepoSnapshot } from "../repo/repo-snapshot.js";

/** A file or folder as the Hub lists it in `tree` and `paths-info` answers. */
export function treeEntryJson(
  snapshot: RepoSnapshot,
  path: string,
  expand: boolean,
): Record<string, unknown> | null {
  const file = snapshot.files.get(path);
  const folder = file ? undefined : snapshot.folders.get(path);
  if (!file && !folder) return null;
  const lastCommit = expand
    ? {
        lastCommit: {
          id: snapshot.commit,
          title: "aotihub local tree",
          date: snapshot.lastModified.toISOString(),
        },
      }
    : {};
  return file ? { ...fileJson(file), ...lastCommit } : { ...folderJson(folder!), ...lastCommit };
}

function fileJson(file: RepoFileEntry): Record<string, unknown> {
  return {
    type: "file",
    oid: file.oid,
    size: file.size,
    path: file.path,
    ...(file.lfs ? { lfs: file.lfs } : {}),
  };
}

function folderJson(folder: RepoFolderEntry): Record<string, unknown> {
  return { type: "directory", oid: folder.oid, size: 0, path: folder.path };
}

/** Every path under a folder ("" for the root), parents before children, in git order. */
export function* walkTree(snapshot: RepoSnapshot, folder: string, recursive: boolean): Generator<string> {
  for (const child of snapshot.children.get(folder) ?? []) {
    yield child;
    if (recursive && snapshot.folders.has(child)) yield* walkTree(snapshot, child, true);
  }
}

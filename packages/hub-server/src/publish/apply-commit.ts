import { randomBytes } from "node:crypto";
import { copyFile, link, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { HubServerError } from "../hub-server-error.js";
import type { RepoSnapshot } from "../repo/repo-snapshot.js";
import type { CommitOperation } from "./commit-operations.js";

/** A commit that cannot apply to the branch as it is; the Hub answers 4xx with the message. */
export class CommitConflictError extends HubServerError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super("AOTIHUB_HUB_SERVER_REJECTED", message);
  }
}

/**
 * Checks every operation against the branch's current tree and the uploaded LFS objects, then
 * applies them to the branch folder. Each file appears whole (written beside its target, then
 * renamed over it), so a reader never sees a partial file; all checks run before the first write.
 */
export async function applyCommit(
  folder: string,
  snapshot: RepoSnapshot,
  operations: readonly CommitOperation[],
  /** Where the repo's copy of an LFS object is (uploaded for it or committed in it), or null. */
  findObject: (sha256: string, size: number | undefined) => Promise<string | null>,
): Promise<void> {
  const sources = new Map<string, string>();
  for (const operation of operations) {
    const parts = operation.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      if (snapshot.files.has(parent)) {
        throw new CommitConflictError(409, `Cannot write ${operation.path}: ${parent} is a file`);
      }
    }
    if (operation.kind === "write" || operation.kind === "lfs") {
      if (snapshot.folders.has(operation.path)) {
        throw new CommitConflictError(409, `Cannot write ${operation.path}: it is a folder`);
      }
    }
    if (operation.kind === "lfs") {
      const source = await findObject(operation.sha256, operation.size);
      if (!source) {
        throw new CommitConflictError(
          422,
          `LFS object ${operation.sha256} for ${operation.path} was never uploaded; upload it through the LFS batch API first`,
        );
      }
      sources.set(operation.path, source);
    }
  }
  for (const operation of operations) {
    const target = join(folder, ...operation.path.split("/"));
    if (operation.kind === "delete-file") {
      await rm(target, { force: true });
    } else if (operation.kind === "delete-folder") {
      await rm(target, { recursive: true, force: true });
    } else {
      await mkdir(dirname(target), { recursive: true });
      const temp = join(dirname(target), `.aotihub-incoming-${randomBytes(6).toString("hex")}`);
      if (operation.kind === "write") {
        await writeFile(temp, operation.content, { flag: "wx" });
      } else {
        const source = sources.get(operation.path)!;
        // A hard link costs no space; across file systems fall back to a copy.
        await link(source, temp).catch(() => copyFile(source, temp));
      }
      await rename(temp, target);
    }
  }
}

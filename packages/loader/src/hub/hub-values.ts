import { AotihubError, unsafeRepoPathReason } from "@aotihub/registry";
import { COMMIT_SHA } from "./hub-urls.js";

/** A git blob sha1 (non-LFS files) or a sha256 (LFS files): the only etags that become blob names. */
export const BLOB_ETAG = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * A value from the network that would become part of a cache path (a commit id, an etag, a repo
 * path) and does not have the one shape it may have. A hostile or broken endpoint (an HF_ENDPOINT
 * mirror, a LAN server, a proxy) must not be able to name a file outside the cache.
 */
export class UnsafeHubValueError extends AotihubError {
  constructor(what: string, value: unknown, expected: string, where: string) {
    super("AOTIHUB_HUB_UNSAFE_VALUE", `The Hub sent ${what} that cannot be used safely, for ${where}.`, {
      expected,
      received: JSON.stringify(typeof value === "string" ? value.slice(0, 200) : value) ?? String(value),
      hint: "HF_ENDPOINT (or a proxy on the way) is not a Hugging Face Hub you can trust; nothing was written",
    });
  }
}

/** `X-Repo-Commit`, a revision's `sha`, a ref: a full 40-digit lowercase commit id. */
export function checkedCommit(value: unknown, where: string): string {
  if (typeof value === "string" && COMMIT_SHA.test(value)) return value;
  throw new UnsafeHubValueError("a commit id", value, "40 lowercase hex digits", where);
}

/** An (already normalised) ETag that will name a blob: sha256 or git sha1. */
export function checkedEtag(value: unknown, where: string): string {
  if (typeof value === "string" && BLOB_ETAG.test(value)) return value;
  throw new UnsafeHubValueError(
    "an ETag",
    value,
    "a sha256 (64 hex digits, LFS files) or a git blob sha1 (40 hex digits)",
    where,
  );
}

/** A path from a tree listing or paths-info: the registry's rule for paths from outside. */
export function checkedRepoPath(value: unknown, where: string): string {
  const reason = typeof value === "string" ? unsafeRepoPathReason(value) : "not a string";
  if (reason === null) return value as string;
  throw new UnsafeHubValueError(
    `a repo path (${reason})`,
    value,
    'a relative path with "/" between folders and no ".", ".." or empty parts',
    where,
  );
}

import { AotihubError } from "../errors/aotihub-error.js";

export type RepoType = "model" | "dataset" | "kernel";

/** A Hub repository: its type and its `org/name`. */
export interface RepoId {
  type: RepoType;
  name: string;
}

const REPO_PART = /^[\w.-]{1,96}$/;

/**
 * The one repo-id rule, used by the loader (names, config, downloads) and the local Hub alike.
 * The Hub's own rule (huggingface_hub `validate_repo_id`): `org/name`, each part 1-96 word
 * characters, "-" or ".", not starting or ending with "-" or ".", no "--" or "..", no ".git" end.
 */
export function isRepoName(name: string): boolean {
  const parts = name.split("/");
  return parts.length === 2 && parts.every(isRepoNamePart);
}

/** One part (`org` or `name`) of a repo id; such a part is also a safe folder name. */
export function isRepoNamePart(part: string): boolean {
  return (
    REPO_PART.test(part) &&
    !part.includes("--") &&
    !part.includes("..") &&
    !/^[-.]|[-.]$/.test(part) &&
    !part.endsWith(".git")
  );
}

export class InvalidRepoIdError extends AotihubError {
  constructor(received: string) {
    super("AOTIHUB_INVALID_REPO_ID", `"${received}" is not a Hub repository id`, {
      expected: 'an id of the form "org/name" (letters, digits, "-", "_", ".")',
      received: JSON.stringify(received),
      hint: 'write the repository as it appears in its Hub URL, e.g. "kernels-community/flash-attn3"',
    });
  }
}

export function parseRepoId(name: string, type: RepoType = "model"): RepoId {
  if (!isRepoName(name)) throw new InvalidRepoIdError(name);
  return { type, name };
}

/** The plural the Hub uses in URLs (`/api/models/...`, `/datasets/...`). */
export function repoTypePlural(type: RepoType): `${RepoType}s` {
  return `${type}s`;
}

/** URL prefix of a repo type under `/{prefix}{org}/{name}/resolve/...`, as in huggingface_hub's constants. */
export function repoUrlPrefix(type: RepoType): string {
  return type === "model" ? "" : `${repoTypePlural(type)}/`;
}

/** The repo kinds the local Hub serves; each lives in its own top folder (`models/`, ...). */
export type RepoType = "model" | "dataset" | "kernel";

export interface RepoRef {
  type: RepoType;
  /** `org/name`. */
  id: string;
}

/** The plural the Hub uses in URLs (`/api/models/...`, `/datasets/...`) and we use as folder name. */
export function repoTypePlural(type: RepoType): `${RepoType}s` {
  return `${type}s`;
}

/** `models/org/name`: how a repo is named in the access file and in logs. */
export function repoKey(repo: RepoRef): string {
  return `${repoTypePlural(repo.type)}/${repo.id}`;
}

/** The URL prefix of a repo's web routes (`resolve`, `.git`): none for models, as on the Hub. */
export function repoUrlPrefix(type: RepoType): string {
  return type === "model" ? "" : `${repoTypePlural(type)}/`;
}

const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** True for an `org` or `name` part that can be a folder name without escaping the root. */
export function isValidRepoNamePart(part: string): boolean {
  return NAME_PART.test(part) && !part.includes("..") && !part.endsWith(".git");
}

export function repoTypeFromPlural(plural: string): RepoType | null {
  if (plural === "models") return "model";
  if (plural === "datasets") return "dataset";
  if (plural === "kernels") return "kernel";
  return null;
}

import { type RepoType, repoTypePlural } from "@aotihub/registry";

// The repo-id rule (`isRepoNamePart`), the repo types, their URL plural and prefix live in
// @aotihub/registry, shared with the loader; this file only names repos the way the server routes
// and stores them. Each type lives in its own top folder (`models/`, ...).
export { type RepoType, repoTypePlural, repoUrlPrefix } from "@aotihub/registry";

export interface RepoRef {
  type: RepoType;
  /** `org/name`. */
  id: string;
}

/** `models/org/name`: how a repo is named in the access file and in logs. */
export function repoKey(repo: RepoRef): string {
  return `${repoTypePlural(repo.type)}/${repo.id}`;
}

export function repoTypeFromPlural(plural: string): RepoType | null {
  if (plural === "models") return "model";
  if (plural === "datasets") return "dataset";
  if (plural === "kernels") return "kernel";
  return null;
}

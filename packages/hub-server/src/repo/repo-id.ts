import { isRepoNamePart, type RepoType, repoTypePlural } from "@aotihub/registry";

// The repo-id rule (huggingface_hub's) and the URL forms are the registry's, shared with the
// loader; only how the local Hub names a repo internally lives here.
export { isRepoNamePart, type RepoType, repoTypePlural, repoUrlPrefix } from "@aotihub/registry";

/** A repo the local Hub serves; each type lives in its own top folder (`models/`, ...). */
export interface RepoRef {
  type: RepoType;
  /** `org/name`. */
  id: string;
}

/** `models/org/name`: how a repo is named in the access file and in logs. */
export function repoKey(repo: RepoRef): string {
  return `${repoTypePlural(repo.type)}/${repo.id}`;
}

/** The repo a `repoKey` names (`models/org/name`), or null for anything else. */
export function repoFromKey(key: string): RepoRef | null {
  const [plural, org, name, ...rest] = key.split("/");
  const type = repoTypeFromPlural(plural ?? "");
  if (!type || !org || !name || rest.length > 0 || !isRepoNamePart(org) || !isRepoNamePart(name)) {
    return null;
  }
  return { type, id: `${org}/${name}` };
}

export function repoTypeFromPlural(plural: string): RepoType | null {
  if (plural === "models") return "model";
  if (plural === "datasets") return "dataset";
  if (plural === "kernels") return "kernel";
  return null;
}

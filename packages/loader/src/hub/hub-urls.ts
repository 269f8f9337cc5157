import { type RepoId, repoUrlPrefix } from "@aotihub/registry";

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** `{EP}/{prefix}{org}/{name}/resolve/{revision}/{path}`: what `hf_hub_url` builds. */
export function resolveFileUrl(endpoint: string, repo: RepoId, revision: string, path: string): string {
  return `${endpoint}/${repoUrlPrefix(repo.type)}${repo.name}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
}

/** `{EP}/api/{type}s/{org}/{name}/revision/{revision}`: repo info at one revision (its commit sha). */
export function revisionInfoUrl(endpoint: string, repo: RepoId, revision: string): string {
  return `${endpoint}/api/${repo.type}s/${repo.name}/revision/${encodeURIComponent(revision)}`;
}

export const COMMIT_SHA = /^[0-9a-f]{40}$/;

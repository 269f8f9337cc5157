import { AotihubError, isRepoName } from "@aotihub/registry";

/** A model named by its repo: `org/name[:profile][@revision]`. */
export interface RepoRef {
  kind: "repo";
  repo: string;
  profile?: string;
  revision?: string;
}

/** A short name to look up in the project config or the alias index (`flux-fp8`). */
export interface AliasRef {
  kind: "alias";
  name: string;
}

export type ModelRef = RepoRef | AliasRef;

const PROFILE = /^[\w\-.]{1,64}$/;
const REVISION = /^[\w\-./]{1,256}$/;
const ALIAS = /^[a-z0-9][\w\-.]{0,95}$/i;

/** Parses a model reference as users write it; throws `AOTIHUB_BAD_REF` saying what is wrong. */
export function parseModelRef(ref: string): ModelRef {
  const text = ref.trim();
  if (!text.includes("/")) {
    if (!ALIAS.test(text)) throw badRef(ref, "an alias made of letters, digits, '-', '_' or '.'");
    return { kind: "alias", name: text };
  }
  const at = text.indexOf("@");
  const revision = at >= 0 ? text.slice(at + 1) : undefined;
  const beforeRevision = at >= 0 ? text.slice(0, at) : text;
  const colon = beforeRevision.indexOf(":");
  const profile = colon >= 0 ? beforeRevision.slice(colon + 1) : undefined;
  const repo = colon >= 0 ? beforeRevision.slice(0, colon) : beforeRevision;

  if (!isRepoName(repo)) {
    throw badRef(ref, "a repo id `org/name` (letters, digits, '-', '_', '.'; no '--' or '..')");
  }
  if (profile !== undefined && !PROFILE.test(profile)) throw badRef(ref, "a profile name after ':'");
  if (revision !== undefined && (!REVISION.test(revision) || revision.includes(".."))) {
    throw badRef(ref, "a branch, tag or commit after '@'");
  }
  return {
    kind: "repo",
    repo,
    ...(profile !== undefined && { profile }),
    ...(revision !== undefined && { revision }),
  };
}

function badRef(ref: string, expected: string): AotihubError {
  return new AotihubError("AOTIHUB_BAD_REF", `"${ref}" is not a model reference aotihub understands.`, {
    expected: `${expected}; the forms are an alias ("flux-fp8") or org/name[:profile][@revision]`,
    received: JSON.stringify(ref),
    hint: 'write e.g. "black-forest-labs/flux-aoti:fp8@main", or an alias from aotihub.config.json',
  });
}

/** The canonical text of a ref, used as a lockfile key. */
export function formatModelRef(ref: ModelRef): string {
  if (ref.kind === "alias") return ref.name;
  return `${ref.repo}${ref.profile ? `:${ref.profile}` : ""}${ref.revision ? `@${ref.revision}` : ""}`;
}

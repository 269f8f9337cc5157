import { AotihubError } from "@aotihub/registry";
import type { ProjectConfig } from "../project-config/project-config-schema.js";
import { DEFAULT_INDEX } from "../project-config/project-config-schema.js";
import { formatModelRef, parseModelRef } from "./parse-model-ref.js";
import { suggestNames } from "./suggest-names.js";

/** The repo a name stands for, and who said so. */
export interface ResolvedName {
  /** The text the caller passed, normalised (the lockfile key). */
  ref: string;
  repo: string;
  /** Profiles to try in order; empty means the manifest's own order. */
  profiles: string[];
  revision: string;
  source: "ref" | "config" | "index" | "lockfile";
}

export interface AliasEntry {
  repo: string;
  profile?: string | string[];
  revision?: string;
}

export interface IndexLocation {
  repo: string;
  path: string;
  revision: string;
}

export interface ResolveNameOptions {
  config: ProjectConfig;
  /** Reads the alias index; resolves null when the index repo or file does not exist. */
  loadIndex: (where: IndexLocation) => Promise<Record<string, AliasEntry> | null>;
}

/**
 * Turns what a user typed into a repo, in the documented order: an explicit `org/name` ref; the
 * project config's aliases; the alias index repo. An unknown name is an error that suggests the
 * names that are close to it.
 */
export async function resolveModelName(text: string, opts: ResolveNameOptions): Promise<ResolvedName> {
  const parsed = parseModelRef(text);
  const ref = formatModelRef(parsed);
  if (parsed.kind === "repo") {
    return {
      ref,
      repo: parsed.repo,
      profiles: parsed.profile ? [parsed.profile] : toList(opts.config.defaults.profile),
      revision: parsed.revision ?? "main",
      source: "ref",
    };
  }
  const fromConfig = opts.config.aliases[parsed.name];
  if (fromConfig) return fromAlias(ref, fromConfig, "config", opts.config);

  const where = opts.config.index === null ? null : (opts.config.index ?? DEFAULT_INDEX);
  const index = where ? await opts.loadIndex(where) : null;
  const fromIndex = index?.[parsed.name];
  if (fromIndex) return fromAlias(ref, fromIndex, "index", opts.config);

  const known = [...Object.keys(opts.config.aliases), ...Object.keys(index ?? {})];
  const close = suggestNames(parsed.name, known);
  const searched = ["aotihub.config.json aliases", where ? `the alias index ${where.repo}` : null]
    .filter(Boolean)
    .join(" and ");
  throw new AotihubError("AOTIHUB_UNKNOWN_MODEL", `No model is called "${parsed.name}".`, {
    expected: `an alias defined in ${searched}, or a repo ref org/name[:profile][@revision]`,
    received: JSON.stringify(parsed.name),
    hint:
      close.length > 0
        ? `did you mean ${close.map((n) => `"${n}"`).join(" or ")}?`
        : `add it to aotihub.config.json "aliases", or pass the repo id`,
  });
}

function fromAlias(
  ref: string,
  alias: AliasEntry,
  source: "config" | "index",
  config: ProjectConfig,
): ResolvedName {
  const profiles = toList(alias.profile);
  return {
    ref,
    repo: alias.repo,
    profiles: profiles.length > 0 ? profiles : toList(config.defaults.profile),
    revision: alias.revision ?? "main",
    source,
  };
}

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

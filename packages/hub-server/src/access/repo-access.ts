import { type RepoRef, repoKey } from "../repo/repo-id.js";
import type { AccessConfig } from "./access-config.js";

/** Who is calling, from the `Authorization` header. */
export type Caller =
  | { kind: "anonymous" }
  | { kind: "invalid-token" }
  | { kind: "user"; user: string; write: boolean };

export interface RepoVisibility {
  private: boolean;
  gated: false | "auto" | "manual";
}

/** Access rules for the served repos, from the access config. */
export class RepoAccess {
  readonly #config: AccessConfig;
  /** Repos created private through the API while the server runs. */
  readonly #createdPrivate = new Set<string>();

  constructor(config: AccessConfig) {
    this.#config = config;
  }

  markPrivate(repo: RepoRef): void {
    this.#createdPrivate.add(repoKey(repo));
  }

  caller(authorization: string | undefined): Caller {
    if (!authorization) return { kind: "anonymous" };
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    const grant = match ? this.#config.tokens?.[match[1]!] : undefined;
    if (!grant) return { kind: "invalid-token" };
    return { kind: "user", user: grant.user, write: grant.write ?? false };
  }

  visibility(repo: RepoRef): RepoVisibility {
    const rule = this.#rule(repo);
    return {
      private: rule?.private ?? this.#createdPrivate.has(repoKey(repo)),
      gated: rule?.gated ?? false,
    };
  }

  /** May this caller see the repo at all (private repos: owner and readers only)? */
  canSee(repo: RepoRef, caller: Caller): boolean {
    return !this.visibility(repo).private || this.#isGranted(repo, caller);
  }

  /** May this caller read file contents (gated repos: owner and readers only)? */
  canReadContent(repo: RepoRef, caller: Caller): boolean {
    const { private: isPrivate, gated } = this.visibility(repo);
    return (!isPrivate && gated === false) || this.#isGranted(repo, caller);
  }

  canWrite(repo: RepoRef, caller: Caller): boolean {
    return caller.kind === "user" && caller.write && this.canSee(repo, caller);
  }

  #isGranted(repo: RepoRef, caller: Caller): boolean {
    if (caller.kind !== "user") return false;
    const owner = repo.id.split("/")[0];
    return caller.user === owner || (this.#rule(repo)?.readers ?? []).includes(caller.user);
  }

  #rule(repo: RepoRef) {
    const repos = this.#config.repos ?? {};
    return repos[repoKey(repo)] ?? (repo.type === "model" ? repos[repo.id] : undefined);
  }
}

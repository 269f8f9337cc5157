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

  /** May this caller write to the repo: a write token whose user owns the repo's namespace? */
  canWrite(repo: RepoRef, caller: Caller): boolean {
    return this.mayWriteNamespace(repo.id.split("/")[0]!, caller) && this.canSee(repo, caller);
  }

  /**
   * May this caller create or write repos under `namespace`: a write token whose user is that
   * namespace, or a member of the organisation of that name (`orgs` in the access config).
   */
  mayWriteNamespace(namespace: string, caller: Caller): boolean {
    if (caller.kind !== "user" || !caller.write) return false;
    return caller.user === namespace || this.#isMember(namespace, caller.user);
  }

  /** The repo's owner (its namespace user, or a member of its organisation) or a listed reader. */
  #isGranted(repo: RepoRef, caller: Caller): boolean {
    if (caller.kind !== "user") return false;
    const owner = repo.id.split("/")[0]!;
    return (
      caller.user === owner ||
      this.#isMember(owner, caller.user) ||
      (this.#rule(repo)?.readers ?? []).includes(caller.user)
    );
  }

  #isMember(org: string, user: string): boolean {
    return (this.#config.orgs?.[org]?.members ?? []).includes(user);
  }

  #rule(repo: RepoRef) {
    const repos = this.#config.repos ?? {};
    return repos[repoKey(repo)] ?? (repo.type === "model" ? repos[repo.id] : undefined);
  }
}

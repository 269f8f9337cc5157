import type { RepoId } from "@aotihub/registry";
import { AotihubError } from "@aotihub/registry";
import type { Dispatcher } from "undici";
import { type HubConfig, readHubConfig } from "../hub-config/hub-config.js";
import { createHubDispatcher } from "./create-hub-dispatcher.js";
import { type FileMetadata, normalizeEtag } from "./file-metadata.js";
import { HubRequestError, hubErrorFromResponse } from "./hub-errors.js";
import { asNetworkError, hubRequest, responseFacts } from "./hub-request.js";
import { resolveFileUrl, revisionInfoUrl } from "./hub-urls.js";
import { checkedCommit, checkedEtag, checkedRepoPath, UnsafeHubValueError } from "./hub-values.js";
import { loadUndici } from "./load-undici.js";

/** One file of a repo listing. */
export interface RepoFile {
  path: string;
  size: number;
  /** Git blob sha1 of the file (of the LFS pointer for LFS files). */
  oid: string;
  /** For LFS files: the sha256 of the content, which is also its cache etag. */
  lfs?: { sha256: string; size: number } | undefined;
}

/**
 * Most entries a repo listing may have. Model and kernel repos hold tens to thousands of files; a
 * listing far beyond that is a server trying to exhaust memory, refused while it streams.
 */
export const MAX_LISTED_ENTRIES = 50_000;

export interface HubClientOptions {
  /** Defaults to `readHubConfig()` (HF_ENDPOINT, HF_TOKEN, ...). */
  config?: HubConfig;
  endpoint?: string;
  token?: string | undefined;
  /** Transport for every request; defaults to a keep-alive pool with retries. */
  dispatcher?: Dispatcher;
}

function describe(repo: RepoId, revision: string, path?: string): string {
  return `${repo.type} ${repo.name}@${revision}${path === undefined ? "" : `/${path}`}`;
}

/**
 * Reads from the Hub: revisions, listings, file metadata. Writes nothing; the cache is not its business.
 * Making one costs nothing: its pool (and undici) comes with its first request, so a load that
 * finds everything pinned and cached never opens a socket or loads the HTTP client.
 */
export class HubClient {
  readonly endpoint: string;
  readonly #token: string | undefined;
  #dispatcher: Dispatcher | undefined;

  constructor(options: HubClientOptions = {}) {
    const config = options.config ?? readHubConfig();
    this.endpoint = (options.endpoint ?? config.endpoint).replace(/\/+$/, "");
    this.#token = options.token ?? config.token;
    this.#dispatcher = options.dispatcher;
  }

  /** The transport of every request: the one given, else a keep-alive pool with retries made on first use. */
  get dispatcher(): Dispatcher {
    this.#dispatcher ??= createHubDispatcher();
    return this.#dispatcher;
  }

  get #origin(): string {
    return new URL(this.endpoint).origin;
  }

  /** Resolves a branch, tag, `vN` kernel version or commit to the full commit sha. */
  async resolveRevision(repo: RepoId, revision: string, signal?: AbortSignal): Promise<string> {
    await loadUndici(); // before `this.dispatcher`, so that its pool comes from the imported undici
    const response = await hubRequest({
      dispatcher: this.dispatcher,
      url: revisionInfoUrl(this.endpoint, repo, revision),
      token: this.#token,
      tokenOrigin: this.#origin,
      signal,
    });
    if (response.statusCode !== 200)
      throw hubErrorFromResponse(await responseFacts(response), describe(repo, revision));
    // a 200 that is not JSON (a proxy's login page, an empty body) is not a Hub answer either
    const info = ((await response.body.json().catch(() => null)) ?? {}) as { sha?: unknown };
    if (typeof info.sha !== "string" || !/^[0-9a-f]{40}$/.test(info.sha))
      throw new AotihubError(
        "AOTIHUB_HUB_BAD_RESPONSE",
        `the Hub sent no commit for ${describe(repo, revision)}`,
        {
          expected: 'repo info with "sha": a 40-digit commit',
          received: JSON.stringify(info.sha),
          hint: "check HF_ENDPOINT points at a Hugging Face Hub",
        },
      );
    return info.sha;
  }

  /** HEAD on the resolve URL, following only same-host redirects (renamed repos), like huggingface_hub. */
  async fileMetadata(
    repo: RepoId,
    revision: string,
    path: string,
    signal?: AbortSignal,
  ): Promise<FileMetadata> {
    const url = resolveFileUrl(this.endpoint, repo, revision, path);
    await loadUndici(); // before `this.dispatcher`, so that its pool comes from the imported undici
    const response = await hubRequest({
      dispatcher: this.dispatcher,
      url,
      method: "HEAD",
      token: this.#token,
      tokenOrigin: this.#origin,
      signal,
    });
    const h = response.headers;
    if (response.statusCode >= 400) {
      const facts = await responseFacts(response);
      throw Object.assign(hubErrorFromResponse(facts, describe(repo, revision, path)), {
        commit: h["x-repo-commit"],
      });
    }
    await response.body.dump();
    const commit = h["x-repo-commit"];
    const etag = normalizeEtag(h["x-linked-etag"] ?? h.etag);
    const size = Number(h["x-linked-size"] ?? (response.statusCode < 300 ? h["content-length"] : undefined));
    if (commit === undefined || etag === undefined || !Number.isSafeInteger(size))
      throw new AotihubError(
        "AOTIHUB_HUB_BAD_RESPONSE",
        `incomplete file metadata for ${describe(repo, revision, path)}`,
        {
          expected: "X-Repo-Commit, ETag (or X-Linked-Etag) and a size (X-Linked-Size or Content-Length)",
          received: `commit=${commit}, etag=${etag}, size=${h["x-linked-size"] ?? h["content-length"]}`,
          hint: "check HF_ENDPOINT points at a Hugging Face Hub; a proxy may strip headers",
        },
      );
    const where = describe(repo, revision, path);
    const location = h.location === undefined ? response.url : new URL(h.location, response.url).toString();
    return { commit: checkedCommit(commit, where), etag: checkedEtag(etag, where), size, location };
  }

  /** Every file of the repo at a revision, through @huggingface/hub's paginated tree listing. */
  async listFiles(repo: RepoId, revision: string, signal?: AbortSignal): Promise<RepoFile[]> {
    const [{ fetch: undiciFetch }, { listFiles }] = await Promise.all([
      loadUndici(),
      import("@huggingface/hub"),
    ]);
    const errorCodes = new Map<string, string>();
    const fetchWithPool: typeof fetch = async (input, init) => {
      // every page, including those a `Link` header names, must come from the Hub: the token
      // goes with each request, and another origin must never see it
      const url = String(input instanceof Request ? input.url : input);
      if (new URL(url).origin !== this.#origin)
        throw new UnsafeHubValueError(
          "a pagination link to another origin",
          url,
          `a next page on ${this.#origin}`,
          describe(repo, revision),
        );
      const response = await undiciFetch(
        input as string,
        {
          ...(init as object),
          dispatcher: this.dispatcher,
          signal: signal ?? null,
        } as never,
      );
      const code = response.headers.get("x-error-code");
      if (code !== null) errorCodes.set(response.url, code);
      return response as unknown as Response;
    };
    const files: RepoFile[] = [];
    const where = describe(repo, revision);
    let entries = 0;
    try {
      for await (const entry of listFiles({
        repo: { type: repo.type, name: repo.name },
        revision,
        recursive: true,
        hubUrl: this.endpoint,
        fetch: fetchWithPool,
        ...(this.#token === undefined ? {} : { accessToken: this.#token }),
      })) {
        if (++entries > MAX_LISTED_ENTRIES)
          throw new UnsafeHubValueError(
            "a listing too long",
            `more than ${MAX_LISTED_ENTRIES} entries`,
            `at most ${MAX_LISTED_ENTRIES} entries`,
            where,
          );
        checkedRepoPath(entry.path, where);
        if (entry.type !== "file") continue;
        files.push({
          path: entry.path,
          size: entry.size,
          oid:
            entry.oid === undefined || entry.oid === ""
              ? ""
              : checkedEtag(entry.oid, `${where}/${entry.path}`),
          lfs:
            entry.lfs === undefined
              ? undefined
              : { sha256: checkedEtag(entry.lfs.oid, `${where}/${entry.path}`), size: entry.lfs.size },
        });
      }
    } catch (error) {
      if (error instanceof AotihubError) throw error;
      const e = error as { statusCode?: number; url?: string; requestId?: string; message?: string };
      if (typeof e?.statusCode === "number" && !(error instanceof HubRequestError)) {
        const url = e.url ?? this.endpoint;
        throw hubErrorFromResponse(
          {
            statusCode: e.statusCode,
            url,
            requestId: e.requestId,
            errorCode: errorCodes.get(url),
            serverMessage: e.message,
          },
          describe(repo, revision),
        );
      }
      throw asNetworkError(this.endpoint, error, signal);
    }
    return files;
  }
}

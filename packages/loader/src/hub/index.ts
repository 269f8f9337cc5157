export {
  InvalidRepoIdError,
  isRepoName,
  parseRepoId,
  type RepoId,
  type RepoType,
} from "@aotihub/registry";
export { repoFolderName } from "../cache/cache-layout.js";
export { createHubDispatcher, type HubDispatcherOptions } from "./create-hub-dispatcher.js";
export { type FileMetadata, normalizeEtag } from "./file-metadata.js";
export { HubClient, type HubClientOptions, type RepoFile } from "./hub-client.js";
export {
  EntryNotFoundError,
  GatedRepoError,
  HubNetworkError,
  HubRequestError,
  type HubResponseFacts,
  RateLimitedError,
  RedirectLoopError,
  RepoNotFoundError,
  RevisionNotFoundError,
  UnauthorizedError,
} from "./hub-errors.js";
export { hubRequest } from "./hub-request.js";
export { COMMIT_SHA, resolveFileUrl, revisionInfoUrl } from "./hub-urls.js";

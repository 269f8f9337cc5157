/** What a HEAD on `resolve/` says about one file: huggingface_hub's `HfFileMetadata`. */
export interface FileMetadata {
  /** `X-Repo-Commit`: the commit the revision resolved to. */
  commit: string;
  /** `X-Linked-Etag` or `ETag`, normalised: sha256 for LFS files, the git blob sha1 otherwise. */
  etag: string;
  /** `X-Linked-Size`, else `Content-Length`. */
  size: number;
  /** Where the bytes are: the CDN URL for LFS files (signed, may expire), else the resolve URL. */
  location: string;
}

/** Same as huggingface_hub's `_normalize_etag`: drop `W/` and quotes. */
export function normalizeEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  return etag.replace(/^W\//, "").replace(/^"+|"+$/g, "");
}

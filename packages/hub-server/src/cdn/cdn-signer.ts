import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** What a signed CDN URL carries: which object, for which repo commit, until when. */
export interface CdnGrant {
  /** `download` of an LFS object, or `upload` of one announced through the LFS batch API. */
  action: "download" | "upload";
  sha256: string;
  size: number;
  /** `models/org/name`, for the `X-Repo-Commit` the CDN answers with. */
  repo: string;
  commit: string;
  /** Unix seconds. */
  expires: number;
}

/**
 * Signs CDN URLs the way a real CDN's pre-signed URLs work: the URL alone grants access (no
 * Authorization header reaches the CDN), only for this object, and only until it expires.
 */
export class CdnSigner {
  readonly #secret = randomBytes(32);

  sign(grant: CdnGrant): string {
    const query = new URLSearchParams({
      repo: grant.repo,
      commit: grant.commit,
      size: String(grant.size),
      expires: String(grant.expires),
    });
    return `/${grant.action}/${grant.sha256}?${query}&sig=${this.#mac(grant.action, grant.sha256, query)}`;
  }

  /** The grant a URL carries; "invalid" for a forged or altered one, "expired" past its time. */
  verify(pathname: string, search: URLSearchParams, nowSeconds: number): CdnGrant | "invalid" | "expired" {
    const match = /^\/(download|upload)\/([0-9a-f]{64})$/.exec(pathname);
    const sig = search.get("sig");
    if (!match || !sig) return "invalid";
    const [, action, sha256] = match as unknown as [string, "download" | "upload", string];
    const query = new URLSearchParams({
      repo: search.get("repo") ?? "",
      commit: search.get("commit") ?? "",
      size: search.get("size") ?? "",
      expires: search.get("expires") ?? "",
    });
    const expected = Buffer.from(this.#mac(action, sha256, query));
    const given = Buffer.from(sig);
    if (expected.byteLength !== given.byteLength || !timingSafeEqual(expected, given)) return "invalid";
    const expires = Number(query.get("expires"));
    if (!(expires > nowSeconds)) return "expired";
    return {
      action,
      sha256,
      size: Number(query.get("size")),
      repo: query.get("repo")!,
      commit: query.get("commit")!,
      expires,
    };
  }

  #mac(action: string, sha256: string, query: URLSearchParams): string {
    return createHmac("sha256", this.#secret).update(`${action}\n${sha256}\n${query}`).digest("hex");
  }
}

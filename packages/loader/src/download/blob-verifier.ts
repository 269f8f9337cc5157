import { createHash, type Hash } from "node:crypto";

/** How a cache etag names its content: sha256 for LFS files, git's blob sha1 for the others. */
export type DigestKind = "sha256" | "git-sha1";

export function digestKindForEtag(etag: string): DigestKind | undefined {
  if (/^[0-9a-f]{64}$/.test(etag)) return "sha256";
  if (/^[0-9a-f]{40}$/.test(etag)) return "git-sha1";
  return undefined;
}

/**
 * Hashes a blob while it streams, fed in file order. Always computes the sha256 too (what
 * `prefetch --json` reports), so no finished file is read again just to hash it.
 */
export class BlobVerifier {
  readonly #sha256: Hash = createHash("sha256");
  readonly #gitSha1: Hash | undefined;

  constructor(
    readonly kind: DigestKind,
    size: number,
  ) {
    if (kind === "git-sha1") this.#gitSha1 = createHash("sha1").update(`blob ${size}\0`);
  }

  update(bytes: Uint8Array): void {
    this.#sha256.update(bytes);
    this.#gitSha1?.update(bytes);
  }

  finish(): { sha256: string; digest: string } {
    const sha256 = this.#sha256.digest("hex");
    return { sha256, digest: this.#gitSha1 === undefined ? sha256 : this.#gitSha1.digest("hex") };
  }
}

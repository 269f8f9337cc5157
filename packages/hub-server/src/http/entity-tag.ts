/** `"abc"` for an etag value, as servers send it. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/**
 * Whether an `If-Match` / `If-None-Match` list names this etag (or is `*`). Weak comparison for
 * both: our etags are content hashes, so weak and strong mean the same bytes.
 */
export function etagListMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((item) => {
    const tag = item
      .trim()
      .replace(/^W\//, "")
      .replace(/^"(.*)"$/, "$1");
    return tag === "*" || tag === etag;
  });
}

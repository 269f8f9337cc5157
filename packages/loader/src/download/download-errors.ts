import { AotihubError } from "@aotihub/registry";
import { safeUrl } from "../hub/hub-errors.js";

export class HashMismatchError extends AotihubError {
  constructor(file: string, kind: string, expected: string, received: string, attempts = 1) {
    super(
      "AOTIHUB_HASH_MISMATCH",
      `downloaded bytes of ${file} do not match their ${kind}${attempts > 1 ? ` in ${attempts} downloads from fresh URLs` : ""}; nothing was cached`,
      {
        expected: `${kind} ${expected}`,
        received: `${kind} ${received}${attempts > 1 ? " (last attempt)" : ""}`,
        hint: "the server or a proxy is altering the file: retry later from another network, or report it with the URL",
      },
    );
  }
}

export class UnverifiableEtagError extends AotihubError {
  constructor(file: string, etag: string) {
    super("AOTIHUB_UNVERIFIABLE_FILE", `cannot verify ${file}: its etag names no hash we know`, {
      expected: "an ETag that is a sha256 (LFS file) or a git blob sha1",
      received: JSON.stringify(etag),
      hint: "check HF_ENDPOINT points at a Hugging Face Hub",
    });
  }
}

export class BadRangeResponseError extends AotihubError {
  constructor(url: string, asked: string, received: string) {
    super("AOTIHUB_BAD_RANGE_RESPONSE", `the server answered a ranged download of ${safeUrl(url)} wrongly`, {
      expected: asked,
      received,
      hint: "the CDN or a proxy does not honour Range requests; retry later or report it",
    });
  }
}

export class IncompleteDownloadError extends AotihubError {
  constructor(url: string, expectedBytes: number, receivedBytes: number) {
    super("AOTIHUB_INCOMPLETE_DOWNLOAD", `the server kept ending ${safeUrl(url)} early`, {
      expected: `${expectedBytes} bytes`,
      received: `${receivedBytes} bytes after every retry`,
      hint: "retry later; the partial file is kept and resumed",
    });
  }
}

/** A partial download in the cache is a symlink, not a regular file, or someone else's file. */
export class UnsafePartialFileError extends AotihubError {
  constructor(path: string, found: string, cause?: unknown) {
    super("AOTIHUB_UNSAFE_PARTIAL_FILE", `refusing to write the partial download ${path}`, {
      expected: "a regular file created and owned by this user",
      received: found,
      hint: "someone may have planted it in a shared cache: inspect it, remove it, and check who can write to HF_HUB_CACHE",
      cause,
    });
  }
}

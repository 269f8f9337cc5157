import { AotihubError } from "@aotihub/registry";
import { safeUrl } from "../hub/hub-errors.js";

export class HashMismatchError extends AotihubError {
  constructor(file: string, kind: string, expected: string, received: string) {
    super(
      "AOTIHUB_HASH_MISMATCH",
      `downloaded bytes of ${file} do not match their ${kind}; nothing was cached`,
      {
        expected: `${kind} ${expected}`,
        received: `${kind} ${received}`,
        hint: "retry; if it persists, the server or a proxy is altering the file: report it with the URL",
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

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { BlobVerifier, digestKindForEtag } from "../download/blob-verifier.js";
import { scanCache } from "./scan-cache.js";

export interface BlobCheck {
  repo: string;
  blob: string;
  ok: boolean;
  /** What the bytes hash to, when they do not match the name. */
  actual?: string;
}

/** Re-hashes every finished blob and compares it with its name (sha256 or git blob sha1). */
export async function verifyCache(root: string, signal?: AbortSignal): Promise<BlobCheck[]> {
  const checks: BlobCheck[] = [];
  for (const repo of await scanCache(root)) {
    for (const blob of repo.blobs) {
      const kind = digestKindForEtag(blob);
      if (kind === undefined) {
        checks.push({ repo: `${repo.type}s/${repo.name}`, blob, ok: false, actual: "not a hash name" });
        continue;
      }
      const path = join(repo.folder, "blobs", blob);
      const { size } = await stat(path);
      const verifier = new BlobVerifier(kind, size);
      for await (const piece of createReadStream(path, { highWaterMark: 4 << 20, signal }))
        verifier.update(piece as Buffer);
      const { digest } = verifier.finish();
      checks.push({
        repo: `${repo.type}s/${repo.name}`,
        blob,
        ok: digest === blob,
        ...(digest === blob ? {} : { actual: digest }),
      });
    }
  }
  return checks;
}

import { unsafeRepoPathReason } from "@aotihub/registry";
import { Pt2InvalidError } from "./pt2-invalid-error.js";
import type { CentralEntry } from "./zip/read-central-directory.js";
import { FLAG_ENCRYPTED, METHOD_STORED } from "./zip/zip-constants.js";

/**
 * Checks what can be checked from the central directory alone and returns the top folder: names
 * are safe relative paths, unique, all under one top folder (torch writes `<archive>/...`), and
 * every entry is stored unencrypted, because aotihub uses entries in place (mmap, offset reads)
 * and torch's writer never compresses them.
 */
export function checkEntryNames(entries: readonly CentralEntry[], path: string): string {
  if (entries.length === 0) {
    throw new Pt2InvalidError(path, "the archive is empty", {
      expected: "the entries of an AOTInductor package",
      received: "no entries",
    });
  }
  const seen = new Set<string>();
  let top: string | undefined;
  for (const entry of entries) {
    const reason = unsafeRepoPathReason(entry.name);
    if (reason !== null) {
      throw new Pt2InvalidError(path, "an entry name is not a safe relative path", {
        entry: entry.name,
        expected: "a relative path with '/' separators and no '.', '..' or empty segments",
        received: reason,
      });
    }
    if (seen.has(entry.name)) {
      throw new Pt2InvalidError(path, "two entries have the same name", {
        entry: entry.name,
        expected: "unique entry names",
        received: "a duplicate",
      });
    }
    seen.add(entry.name);
    const slash = entry.name.indexOf("/");
    const first = slash < 0 ? null : entry.name.slice(0, slash);
    top ??= first ?? undefined;
    if (first === null || first !== top) {
      throw new Pt2InvalidError(path, "an entry is outside the archive's single top folder", {
        entry: entry.name,
        expected: `every entry under "${top ?? "<top>"}/"`,
        received: entry.name,
      });
    }
    if ((entry.flags & FLAG_ENCRYPTED) !== 0) {
      throw new Pt2InvalidError(path, "an entry is encrypted", {
        entry: entry.name,
        expected: "unencrypted entries",
        received: `general purpose flags 0x${entry.flags.toString(16)}`,
      });
    }
    if (entry.method !== METHOD_STORED || entry.compressedSize !== entry.size) {
      throw new Pt2InvalidError(path, "an entry is compressed", {
        entry: entry.name,
        expected: "stored entries (method 0, compressed size = size), as torch writes them",
        received: `method ${entry.method}, ${entry.compressedSize} bytes stored for ${entry.size}`,
        hint: "aotihub maps entries in place; re-create the package with torch instead of re-zipping it",
      });
    }
  }
  return top!;
}

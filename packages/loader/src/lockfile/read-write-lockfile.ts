import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AotihubError } from "@aotihub/registry";
import { assertOwnedFile } from "../project-config/assert-owned-file.js";
import { type Lockfile, lockfileSchema } from "./lockfile-schema.js";

export const LOCKFILE_NAME = "aotihub.lock";

/** Reads and validates a lockfile; null when it does not exist; refused when others could write it. */
export function readLockfile(file: string): Lockfile | null {
  if (!existsSync(file)) return null;
  assertOwnedFile(file, "the lockfile");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw invalid(file, (cause as Error).message);
  }
  const parsed = lockfileSchema.safeParse(json);
  if (!parsed.success) {
    throw invalid(file, parsed.error.issues.map((i) => `$.${i.path.join(".")}: ${i.message}`).join("; "));
  }
  return parsed.data;
}

/**
 * Writes the lockfile atomically (temp file + rename) with keys sorted, so the same pins always
 * give the same bytes and diffs stay small.
 */
export function writeLockfile(file: string, lock: Lockfile): void {
  const valid = lockfileSchema.parse(lock);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(sortKeys(valid), null, 2)}\n`);
  renameSync(tmp, file);
}

export function emptyLockfile(): Lockfile {
  return { format: "aotihub-lock/1", models: {} };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function invalid(file: string, received: string): AotihubError {
  return new AotihubError("AOTIHUB_LOCKFILE_INVALID", `${file} is not a valid aotihub lockfile.`, {
    expected: 'JSON with format "aotihub-lock/1" (written by `aotihub lock`)',
    received,
    hint: "regenerate it with `aotihub lock <ref...>`, or restore it from version control",
  });
}

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/repo-root.js";

// Every AOTIHUB_* code docs/troubleshooting.md documents must be produced by a test that checks it:
// this scans the test files for each code inside an assertion. The tests that produce them are
// real (servers on loopback, built CLIs, compiled models); this file only keeps the list honest,
// and fails for a documented code no test asserts (test/error-codes.test.ts keeps the docs and the
// code table in step).

/** Codes no test can produce deterministically, each with the reason; keep this list short. */
const NOT_PRODUCIBLE: Record<string, string> = {
  AOTIHUB_CACHE_LOCK_UNSUPPORTED:
    "raised when flock(2) fails with ENOLCK/ENOSYS (an NFS mount with nolock, some FUSE mounts); no local filesystem in CI refuses flock",
  AOTIHUB_WEIGHTS_UNREADABLE:
    "raised only when a weight file changes between its header check and its mapping (a race with another writer); the mapping failures themselves are the AOTIHUB_MMAP_* tests",
};

function documentedCodes(): string[] {
  const doc = readFileSync(join(repoRoot, "docs", "troubleshooting.md"), "utf8");
  const bold = [...doc.matchAll(/\*\*`(AOTIHUB_[A-Z0-9_]+)`\*\*/g)].map((m) => m[1]!);
  const tables = [...doc.matchAll(/^\| `(AOTIHUB_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
  return [...new Set([...bold, ...tables])].sort();
}

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((e) => e.isFile() && keep(e.name) && !`${e.parentPath}/`.includes("/node_modules/"))
    .map((e) => join(e.parentPath, e.name));
}

const testFiles = [
  ...filesUnder(join(repoRoot, "packages"), (n) => n.endsWith(".test.ts")),
  ...filesUnder(join(repoRoot, "test"), (n) => n.endsWith(".test.ts")),
].filter((f) => !f.endsWith("documented-codes.test.ts") && !f.includes("/dist/"));

/**
 * Where a code is asserted: the code as a whole word inside a string, template or regex literal,
 * on a line that is part of an assertion (expect, a refusal helper, or the line after one).
 */
function assertedIn(code: string): string[] {
  const literal = new RegExp(`["'\`/\\[]${code}["'\`/\\]:]`);
  return testFiles.filter((file) => {
    const lines = readFileSync(file, "utf8").split("\n");
    return lines.some(
      (line, i) =>
        literal.test(line) &&
        /expect|Refusal|toThrow|toMatchObject/.test(lines.slice(Math.max(0, i - 3), i + 1).join("\n")),
    );
  });
}

describe("every documented AOTIHUB_* code is produced and checked by a test", () => {
  const codes = documentedCodes();

  it("finds the documented codes", () => {
    expect(codes.length).toBeGreaterThan(70);
    expect(codes).toContain("AOTIHUB_NETWORK_ERROR");
    expect(codes).toContain("AOTIHUB_EXPORT_COMPILE"); // from the export helper's table
  });

  for (const code of codes) {
    it(code, () => {
      const files = assertedIn(code).map((f) => relative(repoRoot, f));
      if (NOT_PRODUCIBLE[code] !== undefined) {
        console.warn(`[codes] ${code} is not produced by a test: ${NOT_PRODUCIBLE[code]}`);
        return;
      }
      expect(files, `no test asserts ${code}`).not.toEqual([]);
    });
  }

  it("the not-producible list names only documented codes that no test asserts", () => {
    for (const code of Object.keys(NOT_PRODUCIBLE)) {
      expect(codes).toContain(code);
      expect(assertedIn(code), `${code} is asserted now: drop it from NOT_PRODUCIBLE`).toEqual([]);
    }
  });
});

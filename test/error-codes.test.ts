import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CODES } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/repo-root.js";

// The code table (packages/registry/src/errors/error-codes.ts) is the one list of codes: the
// union type keeps TS honest at compile time; these checks keep the docs and the Python helper so.
const tableCodes = new Set(Object.keys(ERROR_CODES));
// A whole code: not a prefix such as `AOTIHUB_EXPORT_<KIND>` or `AOTIHUB_EXPORT_*`.
const codesIn = (text: string) => new Set(text.match(/AOTIHUB_[A-Z0-9_]*[A-Z0-9](?![\w*<])/g) ?? []);

/** `AOTIHUB_*` environment variables, from the README's table: names, not error codes. */
function environmentVariables(): Set<string> {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  return new Set([...readme.matchAll(/^\| `(AOTIHUB_[A-Z0-9_]+)` \|/gm)].map((m) => m[1] as string));
}

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(suffix))
    .map((name) => join(dir, name));
}

describe("the error code table", () => {
  const troubleshooting = readFileSync(join(repoRoot, "docs/troubleshooting.md"), "utf8");
  const env = environmentVariables();

  it("documents every code in docs/troubleshooting.md, as a heading or a table row", () => {
    const documented = new Set(
      [...troubleshooting.matchAll(/(?:\*\*`|^\| `)(AOTIHUB_[A-Z0-9_]+)`/gm)].map((m) => m[1]),
    );
    const undocumented = [...tableCodes].filter((code) => !documented.has(code));
    expect(undocumented).toEqual([]);
  });

  it("has a row for every code docs/troubleshooting.md names (environment variables aside)", () => {
    expect(env.size).toBeGreaterThan(3);
    const unknown = [...codesIn(troubleshooting)].filter((code) => !tableCodes.has(code) && !env.has(code));
    expect(unknown).toEqual([]);
  });

  it("has a row for every code the Python export helper raises", () => {
    const sources = filesUnder(join(repoRoot, "python/aotihub_export/src"), ".py");
    expect(sources.length).toBeGreaterThan(3);
    const raised = new Set(sources.flatMap((file) => [...codesIn(readFileSync(file, "utf8"))]));
    expect(raised.size).toBeGreaterThan(3);
    expect([...raised].filter((code) => !tableCodes.has(code))).toEqual([]);
  });

  it("gives each code a summary and a fix", () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(info.summary, code).not.toBe("");
      expect(info.fix, code).not.toBe("");
    }
  });
});

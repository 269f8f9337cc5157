import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../test/support/repo-root.js";

const DOC = join(repoRoot, "docs", "benchmarks.md");

/**
 * docs/benchmarks.md keeps each bench's latest table between `<!-- name:begin -->` and
 * `<!-- name:end -->`: a run replaces that part in place, so the prose around it stays; the first
 * run appends it after `intro` (its heading and any opening text). Returns the section written.
 */
export function writeBenchmarkSection(name: string, body: string, intro: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${begin}\n${body}\n${end}`;
  const doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : "";
  writeFileSync(
    DOC,
    doc.includes(begin)
      ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), () => section)
      : `${doc.trimEnd()}\n\n${intro}\n\n${section}\n`,
  );
  return section;
}

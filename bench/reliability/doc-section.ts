import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../test/support/repo-root.js";

const DOC = join(repoRoot, "docs", "reliability.md");

/**
 * Replaces one script's section of docs/reliability.md (between `<!-- name:begin -->` and
 * `<!-- name:end -->`), so each script rewrites only its own figures.
 */
export function writeDocSection(name: string, markdown: string): void {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : "# Reliability\n";
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  const next =
    from >= 0 && to > from
      ? doc.slice(0, from) + block + doc.slice(to + end.length)
      : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(DOC, next);
  console.log(`wrote the ${name} section of ${DOC}`);
}

/** Where and when the figures were taken, for the record under each table. */
export function machineLine(): string {
  return `${os.cpus()[0]?.model ?? "unknown CPU"} (${os.cpus().length} cores), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z`;
}

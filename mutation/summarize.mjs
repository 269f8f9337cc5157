// Adds up Stryker's JSON reports (reports/mutation/*.json): the score of each, and of the whole
// registry from its per-folder runs (scripts/mutation.sh registry <folder>). Usage:
//   node mutation/summarize.mjs [--survivors <report name>]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = new URL("../reports/mutation/", import.meta.url).pathname;
const scored = ["Killed", "Timeout", "Survived", "NoCoverage"];

function count(report) {
  const totals = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 };
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) {
      if (mutant.status in totals) totals[mutant.status]++;
      else totals.other++;
    }
  }
  return totals;
}

const score = (t) => (100 * (t.Killed + t.Timeout)) / scored.reduce((n, s) => n + t[s], 0);
const line = (name, t) =>
  `${name.padEnd(22)} ${score(t).toFixed(2).padStart(6)}%  killed ${t.Killed}, timeout ${t.Timeout}, survived ${t.Survived}, no coverage ${t.NoCoverage} (scored ${scored.reduce((n, s) => n + t[s], 0)}; ignored ${t.Ignored})`;

const names = readdirSync(dir)
  .filter((n) => n.endsWith(".json") && !n.endsWith("-incremental.json"))
  .map((n) => n.slice(0, -".json".length))
  .sort();
const survivorsOf = process.argv[2] === "--survivors" ? process.argv[3] : undefined;
const registryTotal = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 };
for (const name of names) {
  const report = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
  const t = count(report);
  if (survivorsOf === undefined) console.log(line(name, t));
  if (name.startsWith("registry-")) for (const k of Object.keys(t)) registryTotal[k] += t[k];
  if (name === survivorsOf) {
    for (const [path, file] of Object.entries(report.files)) {
      const lines = file.source.split("\n");
      for (const m of file.mutants) {
        if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
        const l = m.location.start.line;
        console.log(
          `${path}:${l} ${m.status} ${m.mutatorName} -> ${JSON.stringify(m.replacement ?? "")}\n    ${lines[l - 1].trim()}`,
        );
      }
    }
  }
}
if (survivorsOf === undefined && names.some((n) => n.startsWith("registry-")))
  console.log(line("registry (folders)", registryTotal));

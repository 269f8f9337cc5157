// Every row of the fault matrix (packages/loader/test/support/fault-matrix.ts) over the local Hub:
// each download must end in a verified file or the typed error its row names, with 0 corrupt
// blobs. Figures go into docs/reliability.md. Run: pnpm exec tsx bench/reliability-faults.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestHubServer, syntheticBytes, syntheticContent } from "@aotihub/hub-server/testing";
import {
  FAULT_CASES,
  MATRIX_BIG,
  MATRIX_BUDGET,
  MATRIX_SMALL,
  runFaultCase,
} from "../packages/loader/test/support/fault-matrix.js";
import { writeServedRepo } from "../packages/loader/test/support/served-repo.js";
import { machineLine, writeDocSection } from "./reliability/doc-section.js";

const root = await writeServedRepo({
  [MATRIX_SMALL]: Buffer.from('{"hidden": 16}\n'),
  [MATRIX_BIG]: syntheticBytes(syntheticContent(6 * (1 << 20) + 12345, 7)),
});
const hub = await startTestHubServer({ root });
const cacheDir = mkdtempSync(join(tmpdir(), "aotihub-faults-bench-"));
const rows: string[] = [];
let mismatched = 0;
let corrupt = 0;
let untyped = 0;
for (const row of FAULT_CASES) {
  const result = await runFaultCase(hub, row, cacheDir);
  const asExpected = result.outcome === row.expect;
  if (!asExpected) mismatched++;
  if (!result.typed) untyped++;
  corrupt += result.corrupt;
  console.log(
    `${row.kind} | ${row.armed}: ${result.outcome} (${result.requests} requests)${asExpected ? "" : ` EXPECTED ${row.expect}: ${result.message}`}`,
  );
  rows.push(
    `| ${row.kind} | ${row.armed} | ${row.file ?? MATRIX_BIG} | ${row.expect === "ok" ? "verified file" : `\`${row.expect}\``} | ${result.outcome === "ok" ? "verified file" : `\`${result.outcome}\``}${asExpected ? "" : " (UNEXPECTED)"} | ${result.requests} | ${result.corrupt} |`,
  );
}
await hub.close();
rmSync(root, { recursive: true, force: true });
rmSync(cacheDir, { recursive: true, force: true });
const kinds = new Set(FAULT_CASES.map((r) => r.kind)).size;
writeDocSection(
  "faults",
  `### Faults over the local Hub

\`pnpm exec tsx bench/reliability-faults.ts\`: ${FAULT_CASES.length} rows, ${kinds} fault kinds, armed through \`@aotihub/hub-server/testing\` on a fresh cache each; \`${MATRIX_BIG}\` is 6 MiB + 12345 bytes fetched as 1 MiB ranged GETs (4 at once) from the CDN origin, \`${MATRIX_SMALL}\` one GET from the Hub. Budget per request: ${MATRIX_BUDGET.maxRetries} retries (undici's retry interceptor, \`Retry-After\` honoured), ${MATRIX_BUDGET.headersTimeoutMs} ms header and body timeouts; per chunk: 5 short or malformed answers; per file: 3 relocations of an expired URL and 3 downloads when the bytes hash wrong.

| kind | armed | file | must end in | ended in | requests | corrupt blobs |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

Rows ending as their row says: ${FAULT_CASES.length - mismatched} of ${FAULT_CASES.length}; untyped errors: ${untyped}; corrupt blobs or links: ${corrupt}. Machine: ${machineLine()}.`,
);
if (mismatched + corrupt + untyped > 0) process.exitCode = 1;

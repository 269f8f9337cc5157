import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startTestHubServer,
  syntheticBytes,
  syntheticContent,
  type TestHubServer,
} from "@aotihub/hub-server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_CASES, MATRIX_BIG, MATRIX_SMALL, runFaultCase } from "./support/fault-matrix.js";
import { writeServedRepo } from "./support/served-repo.js";

// A few rows of the fault matrix (the full one: bench/reliability-faults.ts), chosen for the
// kinds no other test covers: lying Content-Length, endless bodies, a CDN redirect loop.
const ROWS = FAULT_CASES.filter((row) =>
  ["wrong Content-Length", "body that never ends", "redirect loop"].includes(row.kind),
);
let hub: TestHubServer;
let root: string;
let cacheDir: string;

beforeAll(async () => {
  root = await writeServedRepo({
    [MATRIX_SMALL]: Buffer.from('{"hidden": 16}\n'),
    [MATRIX_BIG]: syntheticBytes(syntheticContent(3 * (1 << 20) + 333, 4)),
  });
  hub = await startTestHubServer({ root });
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-matrix-"));
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("fault matrix (CI rows)", () => {
  it.each(ROWS.map((row) => [`${row.kind}: ${row.armed}`, row] as const))("%s", async (_, row) => {
    const result = await runFaultCase(hub, row, cacheDir);
    expect(result.outcome, result.message).toBe(row.expect);
    expect(result.corrupt).toBe(0);
  });
});

// Verifies and extracts one .pt2 in this (child) process and prints the outcome as JSON: "extracted"
// with the folder's mode, or the error's code and message. For tests that must change the process
// itself (a preloaded library), which the test runner's process cannot.
import { stat } from "node:fs/promises";
import { verifyAndExtractPt2 } from "../../../lib/formats/pt2/verify-and-extract-pt2.js";

const [pt2, cacheDir] = process.argv.slice(2) as [string, string];
let outcome: { result: string; mode?: string; message?: string };
try {
  const out = await verifyAndExtractPt2(pt2, { cacheDir });
  outcome = { result: "extracted", mode: ((await stat(out.cubinDir)).mode & 0o777).toString(8) };
} catch (error) {
  const e = error as { code?: string; message?: string };
  outcome = { result: e.code ?? `untyped: ${String(error)}`, message: e.message };
}
console.log(JSON.stringify(outcome));

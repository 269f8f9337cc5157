// Entry point on the GPU machine (bundled by run.sh): runs the suite, writes results JSON, and
// exits non-zero when a check failed.
import { writeFileSync } from "node:fs";
import { runGpuSuite } from "./gpu-suite.js";

const [modelsRoot, fixtures, cacheDir, out, cpuFixtures] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];
const result = await runGpuSuite({ modelsRoot, fixtures, cacheDir, ...(cpuFixtures ? { cpuFixtures } : {}) });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
const failed = result.checks.filter((c) => !c.ok);
process.stderr.write(`${result.checks.length - failed.length}/${result.checks.length} checks passed\n`);
process.exitCode = failed.length === 0 ? 0 : 1;

// Entry point on the GPU machine (bundled by run.sh): runs the suite, writes results JSON, and
// exits non-zero when a check failed.
import { writeFileSync } from "node:fs";
import { runGpuSuite } from "./gpu-suite.js";

const [modelsRoot, fixtures, cacheDir, out, cpuFixtures, referencesRoot] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
  string?,
];
const result = await runGpuSuite({
  modelsRoot,
  fixtures,
  cacheDir,
  ...(cpuFixtures ? { cpuFixtures } : {}),
  ...(referencesRoot ? { referencesRoot } : {}),
});
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
process.stderr.write(`native suite: ${result.summary.line}\n`);
// Red unless every planned check ran and passed.
process.exitCode = result.summary.ok ? 0 : 1;

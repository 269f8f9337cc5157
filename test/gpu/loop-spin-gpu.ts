// The event loop's polling during short CUDA runs (loop-spin.ts), alone: for a slot that checks it
// against one build, or against a build broken on purpose to see the check go red.
//   node loop-spin-gpu.mjs <repo compiled for CUDA> <so-cache> <results.json>
import { loadPackages } from "@aotihub/native";
import { readBucketIo } from "../support/bucket-io.js";
import { repoPackages } from "../support/repo-packages.js";
import { createChecks } from "./gpu-harness.js";
import { checkLoopSpin, LOOP_SPIN_CHECK } from "./loop-spin.js";

const [repo, cacheDir, resultsFile] = process.argv.slice(2) as [string, string, string];
const checks = createChecks([LOOP_SPIN_CHECK]);
try {
  const model = await loadPackages({ ...repoPackages(repo), device: "cuda:0", cacheDir });
  const io = await readBucketIo(repo, model.variants[0]!.name);
  await checkLoopSpin(() => model.run(io.inputs), checks);
  model.dispose();
} catch (error) {
  checks.unexpected(String(error));
}
await checks.finish(resultsFile, "loop spin");

// Loads the test kernel's model with the given kernel libraries in this (child) process and prints
// the outcome as JSON: "loaded", or the error's code and received. For tests that must change the
// process itself (a preloaded library), which the test runner's process cannot.
import { loadPackages } from "../../packages/native/lib/index.js";

const [pt2, bucketJson, weights, cacheDir, ...kernelLibraries] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  ...string[],
];
let outcome: { result: string; message?: string; received?: string };
try {
  const model = await loadPackages({
    packages: [{ path: pt2, bucket: JSON.parse(bucketJson) }],
    weights: [weights],
    device: "cpu",
    cacheDir,
    kernelLibraries,
  });
  model.dispose();
  outcome = { result: "loaded" };
} catch (error) {
  const e = error as { code?: string; message?: string; received?: string };
  outcome = { result: e.code ?? `untyped: ${String(error)}`, message: e.message, received: e.received };
}
console.log(JSON.stringify(outcome));

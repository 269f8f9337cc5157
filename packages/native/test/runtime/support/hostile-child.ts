// Runs each hostile load in this (child) process and prints the outcome of each as JSON. The
// parent test asserts the codes and that this process exited normally: no SIGSEGV, no SIGILL.
import { loadPackages } from "../../../lib/index.js";

interface Case {
  name: string;
  pt2: string;
  weights: string;
}

const [torchDir, cacheDir, casesJson] = process.argv.slice(2) as [string, string, string];
const cases = JSON.parse(casesJson) as Case[];
const outcomes: Record<string, string> = {};
for (const c of cases) {
  try {
    const model = await loadPackages({
      packages: [{ path: c.pt2, bucket: { name: "b2", inputs: { x: [2, 8] } } }],
      weights: [c.weights],
      device: "cpu",
      torchDir,
      cacheDir,
    });
    model.dispose();
    outcomes[c.name] = "loaded";
  } catch (error) {
    outcomes[c.name] = (error as { code?: string }).code ?? `untyped: ${String(error)}`;
  }
}
process.stdout.write(`${JSON.stringify(outcomes)}\n`);

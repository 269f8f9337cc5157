// Loads each case in this (child) process and, where the load succeeds, runs it once; prints the
// outcome of each as JSON. The parent test asserts the codes, the outputs, and that this process
// exited normally: no SIGSEGV, no SIGILL.
import { loadPackages, type Tensor } from "../../../lib/index.js";

interface Case {
  name: string;
  pt2: string;
  weights: string;
  /** The float32 [2, 8] input `x`, as numbers (exact: float32 -> double -> float32). */
  x: number[];
}

export interface Outcome {
  /** "ran", or the error's code (`untyped: ...` for an error without one). */
  result: string;
  /** The first output's bytes (base64) when it ran. */
  output?: string;
}

const [torchDir, cacheDir, casesJson] = process.argv.slice(2) as [string, string, string];
const cases = JSON.parse(casesJson) as Case[];
const outcomes: Record<string, Outcome> = {};
for (const c of cases) {
  try {
    const model = await loadPackages({
      packages: [{ path: c.pt2, bucket: { name: "b2", inputs: { x: [2, 8] } } }],
      weights: [c.weights],
      device: "cpu",
      torchDir,
      cacheDir,
    });
    try {
      const [out] = (await model.run({
        x: { dtype: "float32", shape: [2, 8], data: Float32Array.from(c.x) },
      })) as Tensor[];
      const bytes = Buffer.from(out!.data.buffer, out!.data.byteOffset, out!.data.byteLength);
      outcomes[c.name] = { result: "ran", output: bytes.toString("base64") };
    } finally {
      model.dispose();
    }
  } catch (error) {
    outcomes[c.name] = { result: (error as { code?: string }).code ?? `untyped: ${String(error)}` };
  }
}
process.stdout.write(`${JSON.stringify(outcomes)}\n`);

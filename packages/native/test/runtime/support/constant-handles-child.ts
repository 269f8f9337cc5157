// Load/run/dispose cycles of a CPU model under test/support/malloc-trace.c (LD_PRELOAD): after a
// warm-up the tracer records every allocation; at the end it writes those still live, by call
// stack. Prints one JSON line: how many of them torch's aoti_torch_new_tensor_handle made (the
// handles an AOTI container makes for user-managed constants), and whether the tracer was there.
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { readBucketIo } from "../../../../../test/support/bucket-io.js";
import { repoPackages } from "../../../../../test/support/repo-packages.js";
import { binding } from "../../../lib/binding.js";
import { loadPackages } from "../../../lib/index.js";

const [torchDir, cacheDir, repo, traceOut, cyclesArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const tracer = binding();
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const packages = repoPackages(repo);
const io = await readBucketIo(repo, packages.packages[0]!.bucket.name);
const cycle = async () => {
  const model = await loadPackages({ ...packages, device: "cpu", torchDir, cacheDir });
  await model.run(io.inputs);
  model.dispose();
};
for (let i = 0; i < 3; i++) await cycle();
const traced = tracer.mallocTraceMark();
const cycles = Number(cyclesArg);
for (let i = 0; i < cycles; i++) await cycle();
gc();
tracer.mallocTraceDump(traceOut, 1_000_000);
// "<bytes> bytes in <count>: <- frame <- frame ...", one line per stack.
let handles = 0;
for (const line of readFileSync(traceOut, "utf8").split("\n")) {
  const m = /^\d+ bytes in (\d+):/.exec(line);
  if (m && line.includes("(aoti_torch_new_tensor_handle)")) handles += Number(m[1]);
}
process.stdout.write(`${JSON.stringify({ traced, cycles, handles })}\n`);

// Pulls the rug from under a run's inputs in every way JS allows (detach by transfer, shrink a
// resizable buffer, unmap a MappedFile), either while the run is queued or between the call and
// the native hand-off, and prints each outcome as JSON. The parent asserts the outcomes and that
// this process exited normally: a run reading freed memory would die here, not in the test runner.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { readBucketIo, sameBytes } from "../../../../../test/support/bucket-io.js";
import { repoPackages } from "../../../../../test/support/repo-packages.js";
import { loadPackages, mapFile, type Tensor } from "../../../lib/index.js";

const [torchDir, cacheDir, repo, scratchDir] = process.argv.slice(2) as [string, string, string, string];
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const loadOptions = { ...repoPackages(repo), device: "cpu", torchDir, cacheDir };
const model = await loadPackages(loadOptions);
const bucket = model.variants.at(-1)!.name;
const io = await readBucketIo(repo, bucket);
const [reference] = (await model.run(io.inputs)) as Tensor[];

type Attack = "transfer" | "shrink" | "unmap";
type When = "queued" | "at-call";

/** The bucket's inputs, each copied into memory the attack can take away, and the attack itself. */
function victim(attack: Attack, name: string): { inputs: Record<string, Tensor>; strike: () => void } {
  const inputs: Record<string, Tensor> = {};
  const strikes: (() => void)[] = [];
  for (const [key, t] of Object.entries(io.inputs)) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const Typed = t.data.constructor as new (b: ArrayBufferLike, o: number, n: number) => Tensor["data"];
    if (attack === "transfer") {
      const buffer = bytes.slice().buffer;
      inputs[key] = { ...t, data: new Typed(buffer, 0, t.data.length) };
      strikes.push(() => {
        structuredClone(buffer, { transfer: [buffer] });
      });
    } else if (attack === "shrink") {
      const Resizable = ArrayBuffer as unknown as new (
        n: number,
        o: { maxByteLength: number },
      ) => ArrayBuffer;
      const buffer = new Resizable(bytes.byteLength, { maxByteLength: bytes.byteLength });
      new Uint8Array(buffer).set(bytes);
      inputs[key] = { ...t, data: new Typed(buffer, 0, t.data.length) };
      strikes.push(() => (buffer as unknown as { resize(n: number): void }).resize(0));
    } else {
      const file = join(scratchDir, `${name}-${key}.bin`);
      writeFileSync(file, bytes);
      const mapped = mapFile(file);
      inputs[key] = { ...t, data: new Typed(mapped.bytes.buffer, 0, t.data.length) };
      strikes.push(() => mapped.dispose());
    }
  }
  return {
    inputs,
    strike: () => {
      for (const s of strikes) s();
    },
  };
}

const outcomes: Record<string, string> = {};
for (const attack of ["transfer", "shrink", "unmap"] as const) {
  for (const when of ["queued", "at-call"] as const satisfies readonly When[]) {
    const name = `${attack}-${when}`;
    const { inputs, strike } = victim(attack, name);
    // Runs on one model are serialized: these keep the victim's run waiting in the queue.
    const ahead = Array.from({ length: 8 }, () => model.run(io.inputs));
    // An open variant takes the inputs within the run() call itself; a variant still to open
    // leaves a window between the call and the native hand-off (run() awaits the opening).
    const opening = when === "at-call" ? await loadPackages({ ...loadOptions, lazy: true }) : null;
    const pending = (opening ?? model).run(inputs);
    if (when === "at-call")
      strike(); // before the native hand-off: the variant is still opening
    else {
      await new Promise((resolve) => setImmediate(resolve)); // after it: the run is queued
      strike();
    }
    // Whatever held the old bytes is garbage now; reuse the memory so a stale read would show.
    gc();
    const filler = Array.from({ length: 64 }, () => new Float32Array(1 << 14).fill(Number.NaN));
    try {
      const [out] = (await pending) as Tensor[];
      outcomes[name] = sameBytes(out!, reference!) ? "same" : "different";
    } catch (error) {
      outcomes[name] = (error as { code?: string }).code ?? `untyped: ${String(error)}`;
    }
    await Promise.all(ahead);
    opening?.dispose();
    filler.length = 0;
  }
}
model.dispose();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);

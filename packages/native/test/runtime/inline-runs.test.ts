import type { LoadedModel, Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { type BucketIo, loadRepo, readBucketIo, sameBytes } from "../support/test-repo.js";

// run() runs a CPU variant on the calling thread once its recent runs were short, and nothing else
// of the process's CPU runs is in flight (src/runtime/inline-run-policy.h); otherwise on the run
// thread. Which one happened shows without a clock: a run on the run thread settles from a later
// event-loop callback (the thread-safe function's), never within the microtasks that follow the
// call; an inline run has settled by then. (Long runs keep the run thread: async-runs.test.ts.)

/** Whether `run()`'s promise settled within a few microtask ticks of the call, then its outcome. */
async function settledAtOnce<T>(run: () => Promise<T>): Promise<{ atOnce: boolean; value: T }> {
  let settled = false;
  const pending = run();
  pending.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < 10; i++) await Promise.resolve();
  const atOnce = settled;
  return { atOnce, value: await pending };
}

/** For each of `count` runs, one after the other: did it settle at once (inline)? */
async function inlineFlags(count: number, run: () => Promise<unknown>): Promise<boolean[]> {
  const flags: boolean[] = [];
  for (let i = 0; i < count; i++) flags.push((await settledAtOnce(run)).atOnce);
  return flags;
}

const show = (flags: boolean[]) => flags.map((f) => (f ? "I" : "q")).join("");

describe("short CPU runs settle on the calling thread", () => {
  let mlp: LoadedModel;
  let dit: LoadedModel;
  let mlpIo: BucketIo;
  let ditIo: BucketIo;
  beforeAll(async () => {
    const models = await ensureTestModels();
    mlp = await loadRepo(models.models["tiny-mlp"]);
    dit = await loadRepo(models.models["tiny-dit"]);
    mlpIo = await readBucketIo(models.models["tiny-mlp"], "b2");
    ditIo = await readBucketIo(models.models["tiny-dit"], dit.variants.at(-1)!.name); // its longest runs
  });
  afterAll(() => {
    mlp.dispose();
    dit.dispose();
  });

  it("the first runs of a variant go to the run thread, later short ones run inline, with the same bytes", async () => {
    const check = async () => {
      const [out] = (await mlp.run(mlpIo.inputs)) as Tensor[];
      expect(sameBytes(out!, mlpIo.outputs[0]!)).toBe(true);
    };
    // No history yet: the first 8 runs go to the run thread.
    const first = await inlineFlags(8, check);
    expect(show(first)).toBe("qqqqqqqq");
    // The first runs of a process can be slow (an OpenMP team starting, caches cold); once the
    // last 8 took a few microseconds each, runs go inline and stay there: the last 20 of 60.
    const later = await inlineFlags(60, check);
    expect(show(later.slice(-20)), show(later)).toBe("I".repeat(20));
  });

  it("waits behind a CPU run still in flight, so runs settle in call order", async () => {
    for (let i = 0; i < 10; i++) await mlp.run(mlpIo.inputs); // the MLP would run inline now
    const [ditReference] = (await dit.run(ditIo.inputs)) as Tensor[];
    const order: string[] = [];
    const long = dit.run(ditIo.inputs).then((out) => {
      order.push("dit");
      return out;
    });
    const short = mlp.run(mlpIo.inputs).then((out) => {
      order.push("mlp");
      return out;
    });
    const [[ditOut], [mlpOut]] = (await Promise.all([long, short])) as [Tensor[], Tensor[]];
    expect(order).toEqual(["dit", "mlp"]);
    expect(sameBytes(ditOut!, ditReference!)).toBe(true);
    expect(sameBytes(mlpOut!, mlpIo.outputs[0]!)).toBe(true);
    // And once nothing is in flight, the MLP runs inline again.
    expect(show(await inlineFlags(5, () => mlp.run(mlpIo.inputs)))).toBe("IIIII");
  });

  it("many concurrent short runs all settle, in call order, with their own outputs", async () => {
    const b4 = await readBucketIo((await ensureTestModels()).models["tiny-mlp"], "b4");
    for (let i = 0; i < 10; i++) await mlp.run(b4.inputs);
    const order: number[] = [];
    const outputs = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const io = i % 2 === 0 ? mlpIo : b4;
        const [out] = (await mlp.run(io.inputs)) as Tensor[];
        order.push(i);
        return sameBytes(out!, io.outputs[0]!);
      }),
    );
    expect(outputs.every(Boolean)).toBe(true);
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("a run inline and dispose() right after: the run's outputs are intact, later runs are refused", async () => {
    const model = await loadRepo((await ensureTestModels()).models["tiny-mlp"]);
    for (let i = 0; i < 10; i++) await model.run(mlpIo.inputs);
    const pending = [model.run(mlpIo.inputs), model.run(mlpIo.inputs)];
    model.dispose();
    for (const p of pending) expect(sameBytes(((await p) as Tensor[])[0]!, mlpIo.outputs[0]!)).toBe(true);
    await expect(model.run(mlpIo.inputs)).rejects.toMatchObject({ code: "AOTIHUB_DISPOSED" });
  });
});

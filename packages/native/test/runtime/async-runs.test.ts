import { monitorEventLoopDelay } from "node:perf_hooks";
import type { LoadedModel, Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { loadRepo, readBucketIo, sameBytes } from "../support/test-repo.js";

describe("runs happen off the event loop", () => {
  let model: LoadedModel;
  let repo: string;
  beforeAll(async () => {
    repo = (await ensureTestModels()).models["tiny-dit"];
    model = await loadRepo(repo);
  });
  afterAll(() => model.dispose());

  it("keeps timers firing during a long stretch of runs, with results intact", async () => {
    const bucket = model.variants.at(-1)!.name; // the largest resolution
    const io = await readBucketIo(repo, bucket);
    const [reference] = (await model.run(io.inputs)) as Tensor[];
    const delay = monitorEventLoopDelay({ resolution: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    delay.enable();
    const started = performance.now();
    let runs = 0;
    while (performance.now() - started < 600) {
      const [out] = (await model.run(io.inputs)) as Tensor[];
      expect(sameBytes(out!, reference!)).toBe(true);
      runs++;
    }
    delay.disable();
    clearInterval(timer);
    const elapsed = performance.now() - started;
    // A blocking run would stall the loop for its whole duration; ours never stalls it long.
    expect(delay.max / 1e6).toBeLessThan(100);
    expect(ticks).toBeGreaterThan(elapsed / 20);
    expect(runs).toBeGreaterThan(0);
  });

  it("serializes concurrent runs on one model safely, across variants", async () => {
    const buckets = model.variants.map((v) => v.name);
    const ios = await Promise.all(buckets.map((b) => readBucketIo(repo, b)));
    const references = await Promise.all(
      ios.map(async (io) => ((await model.run(io.inputs)) as Tensor[])[0]!),
    );
    const jobs = Array.from({ length: 60 }, (_, i) => i % ios.length);
    const results = await Promise.all(
      jobs.map(async (k) => ((await model.run(ios[k]!.inputs)) as Tensor[])[0]!),
    );
    results.forEach((out, i) => {
      expect(sameBytes(out, references[jobs[i]!]!)).toBe(true);
    });
  });
});

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

  it("lets the event loop turn while a run is in flight, with results intact", async () => {
    const bucket = model.variants.at(-1)!.name; // the largest resolution
    const io = await readBucketIo(repo, bucket);
    const [reference] = (await model.run(io.inputs)) as Tensor[];
    // A run that blocked the loop would finish before any setImmediate callback could fire: count
    // the loop turns seen while a run's promise is still pending. No clock is involved, so a busy
    // machine only changes how many turns fit in a run, not whether there are any; a blocking
    // runtime sees none in any number of runs.
    let turns = 0;
    let running = true;
    const spin = () => {
      if (!running) return;
      turns++;
      setImmediate(spin);
    };
    let runs = 0;
    let turnsWhilePending = 0;
    try {
      setImmediate(spin);
      while (runs < 200 && turnsWhilePending < 20) {
        const before = turns;
        const [out] = (await model.run(io.inputs)) as Tensor[];
        turnsWhilePending += turns - before;
        expect(sameBytes(out!, reference!)).toBe(true);
        runs++;
      }
    } finally {
      running = false;
    }
    expect(turnsWhilePending, `loop turns during ${runs} runs`).toBeGreaterThanOrEqual(20);
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

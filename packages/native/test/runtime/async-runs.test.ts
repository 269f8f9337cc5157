import type { LoadedModel, Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopTurnsDuringRuns } from "../../../../test/support/loop-turns.js";
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
    // A blocking run leaves no loop turn while its promise is pending (test/support/loop-turns.ts).
    const { turns, runs } = await loopTurnsDuringRuns(async () => {
      const [out] = (await model.run(io.inputs)) as Tensor[];
      expect(sameBytes(out!, reference!)).toBe(true);
    });
    expect(turns, `loop turns during ${runs} runs`).toBeGreaterThanOrEqual(20);
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

import type { Tensor } from "@aotihub/native";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels, type TestModels } from "../../../../test/support/test-models.js";
import { loadRepo, readBucketIo, sameBytes } from "../support/test-repo.js";

let models: TestModels;
beforeAll(async () => {
  models = await ensureTestModels();
});

describe("load, run and dispose", () => {
  it("throws a typed error after dispose and lets an in-flight run finish", async () => {
    const repo = models.models["tiny-mlp"];
    const io = await readBucketIo(repo, "b2");
    const model = await loadRepo(repo);
    const inFlight = model.run(io.inputs);
    model.dispose();
    model.dispose();
    const [out] = (await inFlight) as Tensor[];
    expect(sameBytes(out!, io.outputs[0]!)).toBe(true);
    await expect(model.run(io.inputs)).rejects.toMatchObject({ code: "AOTIHUB_DISPOSED" });
    await expect(model.boundWeightPointers("b2")).rejects.toMatchObject({ code: "AOTIHUB_DISPOSED" });
  });

  it("does not grow RSS over 1000 load/run/dispose cycles", { timeout: 300_000 }, async () => {
    const repo = models.models["tiny-mlp"];
    const io = await readBucketIo(repo, "b2");
    const cycle = async () => {
      const model = await loadRepo(repo, { buckets: ["b2"] });
      await model.run(io.inputs);
      model.dispose();
    };
    for (let i = 0; i < 100; i++) await cycle(); // warm: allocator pools, JIT, dlopen refcounts
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 1000; i++) await cycle();
    const growth = process.memoryUsage().rss - before;
    console.log(`RSS growth over 1000 cycles: ${(growth / 1024 / 1024).toFixed(1)} MiB`);
    // A leaked container, weight store or mapping per cycle would cost well over 20 KiB each.
    expect(growth).toBeLessThan(20 * 1024 * 1024);
  });
});

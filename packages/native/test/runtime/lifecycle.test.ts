import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
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
    for (let i = 0; i < 300; i++) await cycle(); // warm: malloc arenas of the pool threads, JIT, dlopen refcounts
    const mapsBefore = mappings();
    // RSS sampled every 50 cycles. A sample is noisy only upwards: output ArrayBuffers that V8 frees
    // lazily after a GC held 2-32 MiB at one sample and none at the next (4000 cycles on the 2-core
    // machine: RSS 200-216 MiB with no trend, `external` 2-32 MiB). A leak lifts the floor instead,
    // so compare the lowest sample of the first 250 cycles with the lowest of the last 250.
    const samples: number[] = [];
    for (let i = 1; i <= 1000; i++) {
      await cycle();
      if (i % 50 === 0) samples.push(await settledRss());
    }
    const MiB = 1024 * 1024;
    const firstFloor = Math.min(...samples.slice(0, 5));
    const lastFloor = Math.min(...samples.slice(-5));
    console.log(
      `RSS floor over 1000 cycles: ${(firstFloor / MiB).toFixed(1)} -> ${(lastFloor / MiB).toFixed(1)} MiB (samples ${samples.map((s) => (s / MiB).toFixed(0)).join(" ")})`,
    );
    // Exact: no weight mapping and no model library stays mapped once its model is disposed.
    expect(mappings()).toEqual(mapsBefore);
    // 750 cycles lie between the two windows: a leaked container per cycle (its library, kernels
    // and buffers, far more than 16 KiB) would lift the floor by more than 12 MiB.
    expect(lastFloor - firstFloor).toBeLessThan(12 * MiB);
  });
});

/** RSS after a full GC and a few turns of the event loop, so V8 can release freed buffers. */
async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    forceGc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().rss;
}

function forceGc(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** Our files mapped into this process right now: weights and extracted model libraries. */
function mappings(): string[] {
  return readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .map((line) => line.split(/\s+/).slice(5).join(" "))
    .filter((file) => file.includes("test-models") || file.includes("native-test-so"))
    .sort();
}

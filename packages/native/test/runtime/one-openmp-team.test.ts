import { readdirSync } from "node:fs";
import type { LoadedModel, Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { type BucketIo, loadRepo, readBucketIo, sameBytes } from "../support/test-repo.js";

// Inductor's CPU kernels open an OpenMP team per calling thread, and libgomp throttles every team's
// spin-wait once it manages more threads than CPUs (src/runtime/run-thread.h). So CPU runs come
// from one thread: async runs from the run thread, synchronous ones single-threaded on the JS
// thread. What shows from outside is the thread count: after the first run it never grows, however
// the runs are made. (libuv's pool made a team per pool thread; a 2-thread runSync one more.)
const threadCount = () => readdirSync("/proc/self/task").length;

describe("CPU runs keep one OpenMP team in the process", () => {
  let model: LoadedModel;
  let ios: BucketIo[];
  beforeAll(async () => {
    const repo = (await ensureTestModels()).models["tiny-dit"]; // its kernels open parallel regions
    model = await loadRepo(repo);
    ios = await Promise.all(model.variants.map((v) => readBucketIo(repo, v.name)));
  });
  afterAll(() => model.dispose());

  it("adds no thread for concurrent runs or for runSync", async () => {
    const references: Tensor[] = [];
    for (const io of ios) references.push(((await model.run(io.inputs)) as Tensor[])[0]!);
    const before = threadCount();
    const outputs = await Promise.all(
      Array.from(
        { length: 16 },
        async (_, i) => ((await model.run(ios[i % ios.length]!.inputs)) as Tensor[])[0]!,
      ),
    );
    outputs.forEach((out, i) => {
      expect(sameBytes(out, references[i % ios.length]!)).toBe(true);
    });
    ios.forEach((io, k) => {
      for (let i = 0; i < 3; i++)
        expect(sameBytes((model.runSync(io.inputs) as Tensor[])[0]!, references[k]!)).toBe(true);
    });
    expect(threadCount()).toBe(before);
  });
});

import type { Tensor } from "@aotihub/native";
import { describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { loadRepo, readBucketIo, sameBytes } from "../support/test-repo.js";

describe("runSync and device tensors on the CPU", () => {
  it("runSync gives run's bytes, and refuses a variant not opened yet", async () => {
    const repo = (await ensureTestModels()).models["tiny-mlp"];
    const io = await readBucketIo(repo, "b4");
    const model = await loadRepo(repo, { lazy: true }); // opens b2 only
    expect(() => model.runSync(io.inputs)).toThrow(
      expect.objectContaining({ code: "AOTIHUB_VARIANT_NOT_OPEN" }),
    );
    const [viaRun] = (await model.run(io.inputs)) as Tensor[];
    const [viaSync] = model.runSync(io.inputs) as Tensor[];
    expect(sameBytes(viaSync!, io.outputs[0]!)).toBe(true);
    expect(sameBytes(viaSync!, viaRun!)).toBe(true);
    // Outputs are the caller's own: writing into one changes neither the next output nor the model.
    (viaSync!.data as Float32Array).fill(0);
    const [again] = model.runSync(io.inputs) as Tensor[];
    expect(sameBytes(again!, io.outputs[0]!)).toBe(true);
    model.dispose();
    expect(() => model.runSync(io.inputs)).toThrow(expect.objectContaining({ code: "AOTIHUB_DISPOSED" }));
  });

  it("toDevice on a CPU model is a typed refusal", async () => {
    const repo = (await ensureTestModels()).models["tiny-mlp"];
    const io = await readBucketIo(repo, "b2");
    const model = await loadRepo(repo);
    await expect(model.toDevice(io.inputs.x!)).rejects.toMatchObject({ code: "AOTIHUB_INPUT_WRONG_DEVICE" });
    model.dispose();
  });
});

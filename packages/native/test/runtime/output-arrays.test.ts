import type { LoadedModel, Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { type BucketIo, loadRepo, readBucketIo, sameBytes } from "../support/test-repo.js";

// run/runSync's `out` option: host outputs written into the caller's arrays instead of new ones.
// A misfit is AOTIHUB_OUTPUT_INVALID and leaves every array as it was.

describe("caller-supplied output arrays", () => {
  let model: LoadedModel;
  let io: BucketIo;
  const sentinel = (n: number) => new Float32Array(n).fill(-7);
  const untouched = (a: Float32Array) => a.every((v) => v === -7);
  beforeAll(async () => {
    const repo = (await ensureTestModels()).models["tiny-mlp"];
    model = await loadRepo(repo);
    io = await readBucketIo(repo, "b2");
  });
  afterAll(() => model.dispose());

  it("run (queued, then inline) and runSync write the outputs into the given arrays", async () => {
    const expected = io.outputs[0]!;
    for (let i = 0; i < 12; i++) {
      const target = sentinel(expected.data.length);
      const [out] = (await model.run(io.inputs, { out: [target] })) as Tensor[];
      expect(out!.data).toBe(target);
      expect(out!.shape).toEqual(expected.shape);
      expect(sameBytes(out!, expected)).toBe(true);
    }
    const target = sentinel(expected.data.length);
    const [out] = model.runSync(io.inputs, { out: [target] }) as Tensor[];
    expect(out!.data).toBe(target);
    expect(sameBytes(out!, expected)).toBe(true);
    // undefined: a new array for that output
    const [fresh] = model.runSync(io.inputs, { out: [undefined] }) as Tensor[];
    expect(fresh!.data).not.toBe(target);
    expect(sameBytes(fresh!, expected)).toBe(true);
  });

  it("AOTIHUB_OUTPUT_INVALID: wrong byte length or array type, nothing written", async () => {
    const n = io.outputs[0]!.data.length;
    for (const call of [
      (out: Float32Array | Int32Array) => model.run(io.inputs, { out: [out] }),
      async (out: Float32Array | Int32Array) => model.runSync(io.inputs, { out: [out] }),
    ]) {
      const tooLong = sentinel(n + 1);
      await expect(call(tooLong)).rejects.toMatchObject({ code: "AOTIHUB_OUTPUT_INVALID" });
      await expect(call(tooLong)).rejects.toThrow(`holds ${(n + 1) * 4}`);
      expect(untouched(tooLong)).toBe(true);
      const otherKind = new Int32Array(n).fill(-7); // same bytes, another dtype's array
      await expect(call(otherKind)).rejects.toMatchObject({ code: "AOTIHUB_OUTPUT_INVALID" });
      expect(otherKind.every((v) => v === -7)).toBe(true);
    }
  });

  it("AOTIHUB_OUTPUT_INVALID: the wrong count, a non-array, or arrays for outputs kept on the device", async () => {
    const n = io.outputs[0]!.data.length;
    await expect(model.run(io.inputs, { out: [sentinel(n), sentinel(n)] })).rejects.toMatchObject({
      code: "AOTIHUB_OUTPUT_INVALID",
    });
    expect(() => model.runSync(io.inputs, { out: [[1, 2] as unknown as Float32Array] })).toThrow(
      expect.objectContaining({ code: "AOTIHUB_OUTPUT_INVALID" }),
    );
    const onDevice = sentinel(n);
    await expect(model.run(io.inputs, { out: [onDevice], keepOnDevice: true })).rejects.toMatchObject({
      code: "AOTIHUB_OUTPUT_INVALID",
    });
    expect(untouched(onDevice)).toBe(true);
  });

  it("an array detached while its run is queued is refused, not written", async () => {
    const fresh = await loadRepo((await ensureTestModels()).models["tiny-mlp"]); // no history: queued
    const target = sentinel(io.outputs[0]!.data.length);
    const pending = fresh.run(io.inputs, { out: [target] });
    structuredClone(target.buffer, { transfer: [target.buffer] });
    expect(target.byteLength).toBe(0);
    await expect(pending).rejects.toMatchObject({ code: "AOTIHUB_OUTPUT_INVALID" });
    await expect(pending).rejects.toThrow("detached");
    fresh.dispose();
  });
});

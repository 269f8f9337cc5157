import { bucketMismatches, type LoadedModel, type Tensor } from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { loadRepo, readBucketIo, sameBytes } from "../support/test-repo.js";

describe("bucketMismatches", () => {
  const bucket: Bucket = { name: "dyn", inputs: { x: [[1, 8], 16], t: [1] }, dtypes: { x: "float32" } };
  it.each([
    [{ x: [1, 16], t: [1] }, "float32", 0],
    [{ x: [8, 16], t: [1] }, "float32", 0],
    [{ x: [9, 16], t: [1] }, "float32", 1],
    [{ x: [0, 16], t: [1] }, "float32", 1],
    [{ x: [4, 15], t: [1] }, "float32", 1],
    [{ x: [4, 16, 1], t: [1] }, "float32", 1],
    [{ x: [4, 16], t: [2] }, "float32", 1],
    [{ x: [4, 16], t: [1] }, "bfloat16", 1],
  ] as const)("%j as %s -> %i problems", (shapes, dtype, problems) => {
    const inputs = Object.entries(shapes).map(([name, shape]) => ({
      name,
      shape,
      dtype: name === "x" ? dtype : ("float32" as const),
    }));
    expect(bucketMismatches(bucket, inputs)).toHaveLength(problems);
  });

  it("flags an input the bucket does not know", () => {
    expect(bucketMismatches(bucket, [{ name: "y", shape: [1], dtype: "float32" }])[0]).toContain(
      "not an input",
    );
  });
});

describe("dispatch and input checks on a loaded model", () => {
  let model: LoadedModel;
  let repo: string;
  beforeAll(async () => {
    repo = (await ensureTestModels()).models["tiny-mlp"];
    model = await loadRepo(repo);
  });
  afterAll(() => model.dispose());

  const x = (rows: number): Tensor => ({
    dtype: "float32",
    shape: [rows, 8],
    data: new Float32Array(rows * 8),
  });

  it("names inputs as the bucket does and picks the variant by shape", async () => {
    expect(model.inputNames).toEqual(["x"]);
    const [out2] = (await model.run([x(2)])) as Tensor[];
    const [out4] = (await model.run({ x: x(4) })) as Tensor[];
    expect(out2!.shape).toEqual([2, 4]);
    expect(out4!.shape).toEqual([4, 4]);
  });

  it("refuses a shape no bucket fits, listing every bucket (the model itself would run garbage)", async () => {
    const error = await model.run([x(6)]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "AOTIHUB_NO_MATCHING_BUCKET" });
    const message = (error as Error).message;
    expect(message).toContain("b2: x[2, 8] float32");
    expect(message).toContain("b4: x[4, 8] float32");
    expect(message).toContain("x[6, 8]");
    // The error points at the caller, not at an internal frame.
    expect((error as Error).stack).toContain("dispatch.test.ts");
  });

  it("refuses a wrong dtype, wrong data, wrong names and a forced variant that does not fit", async () => {
    const asBf16: Tensor = { dtype: "bfloat16", shape: [2, 8], data: new Uint16Array(16) };
    await expect(model.run([asBf16])).rejects.toMatchObject({ code: "AOTIHUB_NO_MATCHING_BUCKET" });
    const short: Tensor = { dtype: "float32", shape: [2, 8], data: new Float32Array(15) };
    await expect(model.run([short])).rejects.toMatchObject({ code: "AOTIHUB_INPUT_INVALID" });
    const wrongArray = { dtype: "float32", shape: [2, 8], data: new Int32Array(16) } as unknown as Tensor;
    await expect(model.run([wrongArray])).rejects.toMatchObject({ code: "AOTIHUB_INPUT_INVALID" });
    await expect(model.run({ y: x(2) })).rejects.toMatchObject({ code: "AOTIHUB_INPUT_INVALID" });
    await expect(model.run([x(2), x(2)])).rejects.toMatchObject({ code: "AOTIHUB_INPUT_INVALID" });
    await expect(model.run([x(2)], { variant: "b4" })).rejects.toMatchObject({
      code: "AOTIHUB_NO_MATCHING_BUCKET",
    });
    await expect(model.run([x(2)], { variant: "b9" })).rejects.toMatchObject({
      code: "AOTIHUB_VARIANT_NOT_FOUND",
    });
  });

  // LoadedModel remembers the last variant it chose and the dtypes and shapes it chose it for
  // (#lastChoice), to skip the bucket checks when a call repeats them. Each step below would run the
  // wrong variant, or run instead of refusing, if that memory answered for inputs it was not made for.
  it("chooses by the inputs of each call, whatever the call before chose", async () => {
    const io2 = await readBucketIo(repo, "b2");
    const io4 = await readBucketIo(repo, "b4");
    const fitsB2 = (outs: unknown[]) => sameBytes(outs[0] as Tensor, io2.outputs[0]!);
    const fitsB4 = (outs: unknown[]) => sameBytes(outs[0] as Tensor, io4.outputs[0]!);
    // Alternating buckets, positional and named, sync and not.
    for (let i = 0; i < 3; i++) {
      expect(fitsB2(model.runSync([io2.inputs.x!]))).toBe(true);
      expect(fitsB4(model.runSync([io4.inputs.x!]))).toBe(true);
      expect(fitsB4(await model.run(io4.inputs))).toBe(true);
      expect(fitsB2(await model.run(io2.inputs))).toBe(true);
    }
    // After a fitting b2 call: the same shape in another dtype, a shape no bucket fits, another
    // rank, and the same inputs with a variant requested that they do not fit are all refused.
    expect(fitsB2(model.runSync([io2.inputs.x!]))).toBe(true);
    const asBf16: Tensor = { dtype: "bfloat16", shape: [2, 8], data: new Uint16Array(16) };
    expect(() => model.runSync([asBf16])).toThrow(
      expect.objectContaining({ code: "AOTIHUB_NO_MATCHING_BUCKET" }),
    );
    expect(() => model.runSync([x(6)])).toThrow(
      expect.objectContaining({ code: "AOTIHUB_NO_MATCHING_BUCKET" }),
    );
    expect(fitsB2(model.runSync([io2.inputs.x!]))).toBe(true);
    const rank3: Tensor = { dtype: "float32", shape: [2, 8, 1], data: new Float32Array(16) };
    expect(() => model.runSync([rank3])).toThrow(
      expect.objectContaining({ code: "AOTIHUB_NO_MATCHING_BUCKET" }),
    );
    expect(fitsB2(model.runSync([io2.inputs.x!]))).toBe(true);
    expect(() => model.runSync([io2.inputs.x!], { variant: "b4" })).toThrow(
      expect.objectContaining({ code: "AOTIHUB_NO_MATCHING_BUCKET" }),
    );
    // A variant requested, then none: each is chosen afresh.
    expect(fitsB4(model.runSync([io4.inputs.x!], { variant: "b4" }))).toBe(true);
    expect(fitsB2(model.runSync([io2.inputs.x!]))).toBe(true);
    // A lower rank whose dims agree with the last call's as far as they go.
    const rank1: Tensor = { dtype: "float32", shape: [2], data: new Float32Array(2) };
    expect(() => model.runSync([rank1])).toThrow(
      expect.objectContaining({ code: "AOTIHUB_NO_MATCHING_BUCKET" }),
    );
    // The caller's own shape array changed in place after the call that chose by it (b4 first, so
    // that this call chooses afresh): the next call goes by the new shape (what was remembered is
    // a copy).
    expect(fitsB4(model.runSync([io4.inputs.x!]))).toBe(true);
    const mutable: Tensor = { dtype: "float32", shape: [...io2.inputs.x!.shape], data: io2.inputs.x!.data };
    expect(fitsB2(model.runSync([mutable]))).toBe(true);
    mutable.shape[0] = 4;
    mutable.data = io4.inputs.x!.data;
    expect(fitsB4(model.runSync([mutable]))).toBe(true);
    mutable.shape[0] = 2;
    expect(() => model.runSync([mutable])).toThrow(
      expect.objectContaining({ code: "AOTIHUB_INPUT_INVALID" }),
    );
  });

  it("accepts input data at an odd offset in a larger buffer", async () => {
    const io = await readBucketIo(repo, "b2");
    const src = io.inputs.x!.data as Float32Array;
    const big = new ArrayBuffer(src.byteLength + 4);
    const view = new Float32Array(big, 4, src.length);
    view.set(src);
    const [out] = (await model.run({ x: { dtype: "float32", shape: [2, 8], data: view } })) as Tensor[];
    expect(sameBytes(out!, io.outputs[0]!)).toBe(true);
  });
});

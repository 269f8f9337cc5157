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

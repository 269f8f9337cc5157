import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { binding } from "../../lib/binding.js";
import { readSafetensors } from "../../lib/formats/safetensors/index.js";
import { testTorch } from "../support/python.js";
import { repoPackages } from "../support/test-repo.js";

// readStoreTensor is how the upload benchmark (bench/gpu/upload.bench.ts) proves that uploaded bytes
// are the file's bytes; here it must itself return exactly the stored tensor's bytes (on the CPU the
// store's tensors are views of the mapped file, or aligned copies of it) and refuse unknown names.

let weights: string;
let tensors: { name: string; dtype: string; shape: number[]; byteOffset: number; byteLength: number }[];

beforeAll(async () => {
  weights = repoPackages((await ensureTestModels()).models["tiny-mlp"], ["b2"]).weights[0]!;
  tensors = (await readSafetensors(weights)).tensors.map((t) => ({
    name: t.name,
    dtype: t.dtype,
    shape: [...t.shape],
    byteOffset: t.byteOffset,
    byteLength: t.byteLength,
  }));
  await binding().loadTorch(`${(await testTorch()).dir}/lib`, false);
});

describe("readStoreTensor", () => {
  it("returns every stored tensor's bytes as the file holds them", async () => {
    const store = await binding().createWeightStore({
      cuda: false,
      deviceIndex: 0,
      files: [{ path: weights, tensors }],
    });
    const file = readFileSync(weights);
    expect(tensors.length).toBeGreaterThan(1);
    for (const t of tensors) {
      const got = Buffer.from(await binding().readStoreTensor(store.handle, t.name));
      expect(got.equals(file.subarray(t.byteOffset, t.byteOffset + t.byteLength))).toBe(true);
    }
    binding().disposeHandle(store.handle, "store");
  });

  it("refuses a name the store does not hold", async () => {
    const store = await binding().createWeightStore({
      cuda: false,
      deviceIndex: 0,
      files: [{ path: weights, tensors }],
    });
    // (thrown synchronously, like every argument check of the binding)
    await expect(
      (async () => binding().readStoreTensor(store.handle, "no.such.tensor"))(),
    ).rejects.toMatchObject({
      nativeCode: "NATIVE_INPUT",
      message: expect.stringContaining("no tensor no.such.tensor"),
    });
    binding().disposeHandle(store.handle, "store");
  });
});

import { isDeviceTensor, type LoadedModel, type Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eagerReferences } from "../../../../test/support/eager-reference.js";
import { ensureTestModels, type TestModels } from "../../../../test/support/test-models.js";
import { loadRepo, readBucketIo, relativeError, repoPackages, sameBytes } from "../support/test-repo.js";

let models: TestModels;
let eager: Awaited<ReturnType<typeof eagerReferences>>;
const loaded: LoadedModel[] = [];

beforeAll(async () => {
  models = await ensureTestModels();
  eager = await eagerReferences(
    models,
    CASES.map((c) => c.model),
  );
});

afterAll(() => {
  for (const m of loaded) m.dispose();
});

async function open(repo: string, options: { lazy?: boolean } = {}): Promise<LoadedModel> {
  const model = await loadRepo(repo, options);
  loaded.push(model);
  return model;
}

const bytesOf = (t: Tensor) =>
  Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("base64");

function hostTensors(outputs: unknown[]): Tensor[] {
  return outputs.map((o) => {
    if (isDeviceTensor(o)) throw new Error("a CPU run returned a device tensor");
    return o as Tensor;
  });
}

// fp32 models compiled and run on this CPU: the runtime must reproduce eager PyTorch, computed by
// the test (test/support/eager_reference.py), not taken from the export helper's io files. The tiny MLP
// is bit-identical (as the fixtures showed); fused conv/attention kernels may round differently.
const CASES = [
  { model: "tiny-mlp", exact: true, tolerance: 0 },
  { model: "small-conv", exact: false, tolerance: 1e-5 },
  { model: "multi-io", exact: false, tolerance: 1e-5 },
  { model: "bf16-mlp", exact: false, tolerance: 1e-2 },
  { model: "per-bucket-constant", exact: false, tolerance: 1e-5 },
  { model: "tiny-dit", exact: false, tolerance: 1e-4 },
] as const;

describe("compiled test models on CPU match eager PyTorch", () => {
  for (const c of CASES) {
    it(`${c.model}: every bucket`, async () => {
      const repo = models.models[c.model];
      const model = await open(repo);
      const buckets = repoPackages(repo).packages.map((p) => p.bucket.name);
      expect(model.variants.map((v) => v.name)).toEqual(buckets);
      for (const bucket of buckets) {
        const io = await readBucketIo(repo, bucket);
        const reference = await eager(c.model, bucket);
        // The io files other suites (lifecycle, dispatch, GPU) read hold that same eager answer.
        expect(io.outputs.map(bytesOf)).toEqual(reference.map(bytesOf));
        const named = hostTensors(await model.run(io.inputs));
        const positional = hostTensors(await model.run(model.inputNames.map((n) => io.inputs[n]!)));
        expect(named).toHaveLength(reference.length);
        named.forEach((out, i) => {
          const eager = reference[i]!;
          expect(out.dtype).toBe(eager.dtype);
          expect(out.shape).toEqual(eager.shape);
          if (c.exact) expect(sameBytes(out, eager)).toBe(true);
          else expect(relativeError(out, eager)).toBeLessThanOrEqual(c.tolerance);
          // The same package run twice gives the same bits.
          expect(sameBytes(positional[i]!, out)).toBe(true);
        });
      }
    });
  }
});

describe("one shared weight set", () => {
  it("binds the same memory into both tiny-mlp variants, straight from the mapped file", async () => {
    const model = await open(models.models["tiny-mlp"]);
    const b2 = await model.boundWeightPointers("b2");
    const b4 = await model.boundWeightPointers("b4");
    expect(Object.keys(b2).length).toBeGreaterThan(0);
    expect(b4).toEqual(b2);
    expect(model.stats.zeroCopyTensors).toBe(model.stats.weightTensors);
  });

  it("gives a variant its own differing constant and shares the rest", async () => {
    const model = await open(models.models["per-bucket-constant"]);
    const b2 = await model.boundWeightPointers("b2");
    const b3 = await model.boundWeightPointers("b3");
    const differing = Object.keys(b2).filter((k) => b2[k] !== b3[k]);
    const shared = Object.keys(b2).filter((k) => b2[k] === b3[k]);
    expect(differing.length).toBeGreaterThan(0);
    expect(shared.length).toBeGreaterThan(0);
  });

  it("opens other variants lazily, on first use", async () => {
    const repo = models.models["tiny-mlp"];
    const model = await open(repo, { lazy: true });
    expect(model.variants.map((v) => v.opened)).toEqual([true, false]);
    const io = await readBucketIo(repo, "b4");
    const [out] = hostTensors(await model.run(io.inputs));
    expect(sameBytes(out!, io.outputs[0]!)).toBe(true);
    expect(model.variants.every((v) => v.opened)).toBe(true);
  });
});

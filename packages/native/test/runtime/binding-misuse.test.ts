import { beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { binding, type NativeHandle } from "../../lib/binding.js";
import { readSafetensors } from "../../lib/formats/safetensors/index.js";
import { typedNativeFailure } from "../../lib/runtime/native-failure.js";
import { testTorch } from "../support/python.js";
import { repoPackages } from "../support/test-repo.js";

// The addon refusing calls that loadPackages never makes (out of order, a forged handle, a dtype the
// TS layer would have refused first): the real native code, called through its one binding file in
// a fresh process (vitest forks), must answer with a typed failure, never a crash. These are the
// only way to produce AOTIHUB_TORCH_NOT_LOADED, AOTIHUB_NATIVE_BAD_HANDLE and AOTIHUB_DTYPE_UNSUPPORTED.

let weights: string;
let firstTensor: { name: string; dtype: string; shape: number[]; byteOffset: number; byteLength: number };

/** Calls the binding and returns its failure as the runtime would type it. */
async function typedFailureOf(call: () => unknown, stage: "weights" | "run", subject: string) {
  try {
    await call();
  } catch (error) {
    return typedNativeFailure(error, stage, subject) as Error & { code: string };
  }
  throw new Error("the binding accepted the call");
}

const storeSpec = (dtype: string) => ({
  cuda: false,
  deviceIndex: 0,
  files: [{ path: weights, tensors: [{ ...firstTensor, dtype }] }],
});

beforeAll(async () => {
  weights = repoPackages((await ensureTestModels()).models["tiny-mlp"], ["b2"]).weights[0]!;
  const t = (await readSafetensors(weights)).tensors[0]!;
  firstTensor = {
    name: t.name,
    dtype: t.dtype,
    shape: [...t.shape],
    byteOffset: t.byteOffset,
    byteLength: t.byteLength,
  };
});

describe("the addon refuses misuse with typed failures", () => {
  it("AOTIHUB_TORCH_NOT_LOADED: a weight store before libtorch is loaded", async () => {
    const error = await typedFailureOf(
      () => binding().createWeightStore(storeSpec("float32")),
      "weights",
      "weights",
    );
    expect(error.code).toBe("AOTIHUB_TORCH_NOT_LOADED");
    expect(error.message).toContain("libtorch cannot serve weights.");
    expect(error.message).toContain("load through loadPackages/loadCompiled");
  });

  it("AOTIHUB_NATIVE_BAD_HANDLE: a value that is not a handle the addon made", async () => {
    const forged = {} as NativeHandle;
    const error = await typedFailureOf(() => binding().boundPointers(forged), "run", "a forged handle");
    expect(error.code).toBe("AOTIHUB_NATIVE_BAD_HANDLE");
    expect(error.message).toContain("Running a forged handle failed.");
  });

  it("AOTIHUB_DTYPE_UNSUPPORTED: a tensor dtype libtorch is not asked to know, once libtorch is loaded", async () => {
    await binding().loadTorch(`${(await testTorch()).dir}/lib`, false);
    const error = await typedFailureOf(
      () => binding().createWeightStore(storeSpec("complex32")),
      "weights",
      "weights",
    );
    expect(error.code).toBe("AOTIHUB_DTYPE_UNSUPPORTED");
    expect(error.message).toContain("received: unknown dtype complex32");
    // the same spec with its real dtype works: the refusal was the dtype's
    const store = await binding().createWeightStore(storeSpec(firstTensor.dtype));
    expect(store.count).toBe(1);
    binding().disposeHandle(store.handle, "store");
  });
});

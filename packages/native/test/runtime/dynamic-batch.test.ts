import { execFileSync } from "node:child_process";
import type { LoadedModel, Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportHelperEnv } from "../../../../test/support/python.js";
import { repoRoot } from "../../../../test/support/repo-root.js";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { testPython } from "../support/python.js";
import { loadRepo, relativeError } from "../support/test-repo.js";

// A package compiled with a dynamic batch (dynamic-mlp: one bucket, x: [[1, 16], 8]) runs every
// batch size inside its range through loadPackages, and refuses the sizes outside it before the
// compiled code sees them (it would read or write past its buffers).

const BATCHES = [1, 3, 7, 16];
let model: LoadedModel;
let eager: Record<number, number[]>;

/** Deterministic inputs that are not the ones the export helper traced with. */
function input(batch: number): Tensor {
  const data = Float32Array.from({ length: batch * 8 }, (_, i) => Math.sin(i * 0.37 + batch));
  return { dtype: "float32", shape: [batch, 8], data };
}

/**
 * The reference outputs from eager PyTorch, computed here rather than by the export helper under
 * test: test/models/tiny_mlp.py's module with the spec's seed, and the weights cross-checked
 * against the package's own safetensors so the two cannot silently differ.
 */
function eagerOutputs(weights: string): Record<number, number[]> {
  const script = `
import json, sys
import torch
from safetensors.torch import load_file
sys.path.insert(0, "test/models")
from tiny_mlp import Tiny
torch.manual_seed(0)
model = Tiny().eval()
published = load_file(sys.argv[1])
state = model.state_dict()
for name, tensor in published.items():
    assert torch.equal(state[name], tensor), name
out = {}
for batch, data in json.loads(sys.stdin.read()).items():
    x = torch.tensor(data, dtype=torch.float32).reshape(int(batch), 8)
    with torch.no_grad():
        out[batch] = model(x).flatten().tolist()
print(json.dumps(out))
`;
  const inputs = Object.fromEntries(BATCHES.map((b) => [b, Array.from(input(b).data as Float32Array)]));
  const stdout = execFileSync(testPython(), ["-c", script, weights], {
    cwd: repoRoot,
    env: exportHelperEnv(), // tiny_mlp.py imports the ExportSpec type
    input: JSON.stringify(inputs),
    encoding: "utf8",
  });
  return JSON.parse(stdout) as Record<number, number[]>;
}

beforeAll(async () => {
  const repo = (await ensureTestModels()).models["dynamic-mlp"];
  model = await loadRepo(repo);
  eager = eagerOutputs(`${repo}/weights/fp32/model.safetensors`);
});
afterAll(() => model?.dispose());

describe("a dynamic [min, max] package through loadPackages on CPU", () => {
  it("declares one variant whose batch dim is the range [1, 16]", () => {
    expect(model.variants.map((v) => [v.name, v.bucket.inputs])).toEqual([["batch", { x: [[1, 16], 8] }]]);
  });

  for (const batch of BATCHES) {
    it(`runs batch ${batch} like eager PyTorch`, async () => {
      const [out] = (await model.run({ x: input(batch) })) as Tensor[];
      expect(out!.dtype).toBe("float32");
      expect(out!.shape).toEqual([batch, 4]);
      const reference: Tensor = {
        dtype: "float32",
        shape: [batch, 4],
        data: Float32Array.from(eager[batch]!),
      };
      expect(relativeError(out!, reference)).toBeLessThanOrEqual(1e-6);
    });
  }

  it("refuses a batch above the range, naming the range", async () => {
    const error = model.run({ x: input(17) });
    await expect(error).rejects.toMatchObject({ code: "AOTIHUB_NO_MATCHING_BUCKET" });
    await expect(error).rejects.toThrow(/x\[1\.\.16, 8\] float32/);
    await expect(error).rejects.toThrow(/received: x\[17, 8\] float32/);
  });

  it("refuses an empty batch and a wrong static dim", async () => {
    const empty: Tensor = { dtype: "float32", shape: [0, 8], data: new Float32Array(0) };
    await expect(model.run({ x: empty })).rejects.toMatchObject({
      code: "AOTIHUB_NO_MATCHING_BUCKET",
      message: expect.stringContaining("received: x[0, 8] float32"),
    });
    const wide: Tensor = { dtype: "float32", shape: [4, 9], data: new Float32Array(36) };
    await expect(model.run({ x: wide })).rejects.toMatchObject({
      code: "AOTIHUB_NO_MATCHING_BUCKET",
      message: expect.stringContaining("x dim 1: 9, bucket wants 8"),
    });
  });
});

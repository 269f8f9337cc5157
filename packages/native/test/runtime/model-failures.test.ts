import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LoadPackagesOptions, loadPackages, type Tensor } from "@aotihub/native";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { testTorch } from "../support/python.js";
import { swapWrapperSo } from "../support/swap-wrapper-so.js";
import { repoPackages } from "../support/test-repo.js";

// A compiled model that reports its own failure: a real .so exporting the AOTInductor container
// ABI (support/failing-model.c, built here with the C compiler the addon needs) packed into a real
// package in place of tiny-mlp's model. The runtime must turn its return codes into typed errors.

// The failing model's calls take 20-100 us (its stderr message, C++ exceptions); this file's own
// process (vitest forks one per file) lets run() take them inline up to 5 ms, so the inline path's
// failures are tested whatever the machine's load. Read by the addon at its first run() decision.
process.env.AOTIHUB_INLINE_RUN_US = "5000";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "aotihub-failing-model-"));
let tinyMlp: Pick<LoadPackagesOptions, "packages" | "weights">;
let smallConvWeights: string[];

/** Builds failing-model.c with these defines and packs it as the wrapper .so of tiny-mlp's b2 package. */
function packageWithFailingModel(name: string, defines: string[]): string {
  const so = join(scratch, `${name}.so`);
  execFileSync("cc", ["-shared", "-fPIC", "-O1", ...defines, "-o", so, here("./support/failing-model.c")]);
  const pt2 = join(scratch, `${name}.pt2`);
  return swapWrapperSo(tinyMlp.packages[0]!.path, so, pt2);
}

async function load(pt2: string) {
  return loadPackages({
    packages: [{ ...tinyMlp.packages[0]!, path: pt2 }],
    weights: tinyMlp.weights,
    device: "cpu",
    torchDir: (await testTorch()).dir,
    cacheDir: join(scratch, "so-cache"),
  });
}

beforeAll(async () => {
  const models = await ensureTestModels();
  tinyMlp = repoPackages(models.models["tiny-mlp"], ["b2"]);
  smallConvWeights = repoPackages(models.models["small-conv"]).weights;
});

describe("a model's own failures become typed errors", () => {
  it("AOTIHUB_MODEL_LOAD_FAILED: the container cannot be created", async () => {
    const pt2 = packageWithFailingModel("fails-at-create", ["-DFAIL_AT_CREATE"]);
    const refused = load(pt2);
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_MODEL_LOAD_FAILED" });
    await expect(refused).rejects.toThrow(/Loading .* failed \(open\)\./);
    await expect(refused).rejects.toThrow("received: AOTInductorModelContainerCreateWithDevice failed");
    await expect(refused).rejects.toThrow("the model's own message is on stderr");
  });

  it("AOTIHUB_RUN_FAILED: the model reports an error while running; the process lives on", async () => {
    const pt2 = packageWithFailingModel("fails-at-run", []);
    const model = await load(pt2);
    const x: Tensor = { dtype: "float32", shape: [2, 8], data: new Float32Array(16) };
    const failed = model.run({ x });
    await expect(failed).rejects.toMatchObject({ code: "AOTIHUB_RUN_FAILED" });
    await expect(failed).rejects.toThrow(/Running .* failed\./);
    await expect(failed).rejects.toThrow("received: AOTInductorModelContainerRun failed");
    // a second call fails the same way: nothing was left half-done by the first
    let again: unknown;
    try {
      await model.run({ x });
    } catch (error) {
      again = error;
    }
    expect(again).toMatchObject({ code: "AOTIHUB_RUN_FAILED" });
    // The error names the awaiting caller (V8's async stack trace; run() captures no stack itself).
    expect((again as Error).stack).toContain("model-failures.test.ts");
    model.dispose();
  });

  it("AOTIHUB_RUN_FAILED from a run on the calling thread: a failing model's fast calls keep failing the same way", async () => {
    // Its failures are short (a few tens of microseconds: the model's message, C++ exceptions),
    // under this file's inline bound (top), so after 8 run() calls on the run thread it runs
    // inline (src/runtime/inline-run-policy.h): the failure must still be a rejection, same code.
    const model = await load(packageWithFailingModel("fails-fast", []));
    const x: Tensor = { dtype: "float32", shape: [2, 8], data: new Float32Array(16) };
    const atOnce: boolean[] = [];
    for (let i = 0; i < 16; i++) {
      let settled = false;
      const failed = model.run({ x });
      failed.catch(() => {
        settled = true;
      });
      for (let k = 0; k < 10; k++) await Promise.resolve();
      atOnce.push(settled); // within microtasks of the call: it ran inline (inline-runs.test.ts)
      await expect(failed).rejects.toMatchObject({ code: "AOTIHUB_RUN_FAILED" });
      await expect(failed).rejects.toThrow("received: AOTInductorModelContainerRun failed");
    }
    expect(atOnce.slice(0, 8)).not.toContain(true);
    expect(atOnce.slice(-4)).toEqual([true, true, true, true]);
    model.dispose();
  });

  it("AOTIHUB_WEIGHTS_MISMATCH: the real tiny-mlp model given another model's weight set", async () => {
    const refused = loadPackages({
      packages: tinyMlp.packages,
      weights: smallConvWeights,
      device: "cpu",
      torchDir: (await testTorch()).dir,
      cacheDir: join(scratch, "so-cache"),
    });
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_WEIGHTS_MISMATCH" });
    await expect(refused).rejects.toThrow(
      /The weights do not fit [\s\S]*received: weights do not fit the model:\n {4}missing a\./,
    );
  });
});

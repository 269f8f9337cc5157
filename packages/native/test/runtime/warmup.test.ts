import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LoadedModel, type LoadPackagesOptions, loadPackages, type Tensor } from "@aotihub/native";
import { isAotihubError } from "@aotihub/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { testTorch } from "../support/python.js";
import { swapWrapperSo } from "../support/swap-wrapper-so.js";
import { readBucketIo, relativeError, repoPackages, sameBytes, soCacheDir } from "../support/test-repo.js";

// loadPackages' `warmup`: each opened variant runs once with zeros during the load, so the
// caller's first call runs at steady speed (issue 14, cold start). The warm-up must leave no trace
// in what the caller sees, must really run every variant, and refuses values that are not booleans.

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "aotihub-warmup-"));
let dit: string;
let ditPackages: Pick<LoadPackagesOptions, "packages" | "weights">;
let cold: LoadedModel;
let warm: LoadedModel;

async function load(
  options: Partial<LoadPackagesOptions> & Pick<LoadPackagesOptions, "packages" | "weights">,
) {
  return loadPackages({ device: "cpu", torchDir: (await testTorch()).dir, cacheDir: soCacheDir, ...options });
}

beforeAll(async () => {
  dit = (await ensureTestModels()).models["tiny-dit"];
  ditPackages = repoPackages(dit);
  cold = await load(ditPackages);
  warm = await load({ ...ditPackages, warmup: true });
});
afterAll(() => {
  cold?.dispose();
  warm?.dispose();
});

describe("loadPackages({ warmup: true }) on CPU", () => {
  it("runs during the load: the stage table has the warm-up after the variants opened", () => {
    const stages = warm.stats.stages!;
    expect(stages["warm-up done"]).toBeGreaterThanOrEqual(stages["variants open"]!);
    expect(stages.loaded).toBeGreaterThanOrEqual(stages["warm-up done"]!);
    expect(cold.stats.stages!["warm-up done"]).toBeUndefined();
    expect(warm.variants.every((v) => v.opened)).toBe(true);
  });

  for (const bucket of ["16", "64"]) {
    it(`bucket ${bucket}: the first call gives what a model loaded without warm-up gives, and eager's output`, async () => {
      const io = await readBucketIo(dit, bucket);
      const [fromWarm] = (await warm.run(io.inputs)) as Tensor[];
      const [fromCold] = (await cold.run(io.inputs)) as Tensor[];
      expect(fromWarm!.shape).toEqual(io.outputs[0]!.shape);
      expect(sameBytes(fromWarm!, fromCold!)).toBe(true);
      expect(relativeError(fromWarm!, io.outputs[0]!)).toBeLessThan(1e-4);
      // ... and not what zeros give (the warm-up's inputs): the caller never sees the warm-up's output
      const zeros = Object.fromEntries(
        Object.entries(io.inputs).map(([name, t]) => [name, { ...t, data: new Float32Array(t.data.length) }]),
      );
      const [fromZeros] = (await cold.run(zeros)) as Tensor[];
      expect(sameBytes(fromWarm!, fromZeros!)).toBe(false);
    });
  }

  it("runs every opened variant: a variant that fails when run fails the load, with the run's typed error", async () => {
    const tinyMlp = repoPackages((await ensureTestModels()).models["tiny-mlp"], ["b2"]);
    const so = join(scratch, "fails-at-run.so");
    execFileSync("cc", ["-shared", "-fPIC", "-O1", "-o", so, here("./support/failing-model.c")]);
    const pt2 = swapWrapperSo(tinyMlp.packages[0]!.path, so, join(scratch, "fails-at-run.pt2"));
    const options = {
      packages: [{ ...tinyMlp.packages[0]!, path: pt2 }],
      weights: tinyMlp.weights,
      cacheDir: join(scratch, "so-cache"),
    };
    const loaded = await load(options); // without warm-up the load itself succeeds
    loaded.dispose();
    await expect(load({ ...options, warmup: true })).rejects.toMatchObject({ code: "AOTIHUB_RUN_FAILED" });
  });

  for (const bad of ["yes", 1, null, {}]) {
    it(`refuses warmup: ${JSON.stringify(bad)} with AOTIHUB_PACKAGES_INVALID before any work`, async () => {
      const refused = load({ ...ditPackages, warmup: bad as never });
      expect(isAotihubError(await refused.catch((e: unknown) => e))).toBe(true);
      await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_PACKAGES_INVALID" });
      await expect(refused).rejects.toThrow("warmup: true or false");
    });
  }

  it("AOTIHUB_WARMUP_UNKNOWN_DTYPE: a bucket without dtypes cannot be warmed (and loads without warm-up)", async () => {
    const packages = ditPackages.packages.map((p) => {
      const { dtypes: _, ...bucket } = p.bucket;
      return { ...p, bucket };
    });
    const refused = load({ ...ditPackages, packages, warmup: true });
    await expect(refused).rejects.toMatchObject({ code: "AOTIHUB_WARMUP_UNKNOWN_DTYPE" });
    await expect(refused).rejects.toThrow("does not name input");
    (await load({ ...ditPackages, packages })).dispose();
  });
});

import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPackages } from "@aotihub/native";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels, type TestModels } from "../../../../test/support/test-models.js";
import { verifyAndExtractPt2 } from "../../lib/formats/pt2/index.js";
import { testTorch } from "../support/python.js";
import { repoPackages } from "../support/test-repo.js";

// A constant's byte size is all the model container reports, so a transposed matrix (same bytes,
// other shape) would bind and give wrong results silently. The shapes the model was compiled with
// are in the package's generated wrapper source; weights must match them before anything is bound.

let models: TestModels;

beforeAll(async () => {
  models = await ensureTestModels();
});

describe("constant shapes", () => {
  it("reads each constant's compiled shape from the verified package", async () => {
    const { packages } = repoPackages(models.models["tiny-mlp"]);
    const dir = await mkdtemp(join(tmpdir(), "aotihub-shapes-"));
    const verified = await verifyAndExtractPt2(packages[0]!.path, { cacheDir: dir });
    expect(verified.constants).toEqual(
      expect.arrayContaining([
        { name: "a_weight", fqn: "a.weight", shape: [16, 8] },
        { name: "a_bias", fqn: "a.bias", shape: [16] },
        { name: "b_weight", fqn: "b.weight", shape: [4, 16] },
      ]),
    );
  });

  it("refuses a weight of the right byte size but the wrong shape (a transposed matrix)", async () => {
    const repo = await mkdtemp(join(tmpdir(), "aotihub-shapes-"));
    await cp(models.models["tiny-mlp"], repo, { recursive: true });
    const { packages, weights } = repoPackages(repo);
    const file = weights[0]!;
    const bytes = await readFile(file);
    const header = '"a.weight":{"dtype":"F32","shape":[16,8]';
    const at = bytes.indexOf(header);
    expect(at).toBeGreaterThan(0);
    bytes.write('"a.weight":{"dtype":"F32","shape":[8,16]', at, "latin1"); // same length, same bytes
    await writeFile(file, bytes);
    await expect(
      loadPackages({
        packages,
        weights,
        device: "cpu",
        torchDir: (await testTorch()).dir,
        cacheDir: join(repo, ".so-cache"),
      }),
    ).rejects.toMatchObject({
      code: "AOTIHUB_CONSTANT_SHAPE_MISMATCH",
      message: expect.stringMatching(/a\.weight: \[8, 16\][\s\S]*compiled for \[16, 8\]/),
    });
  });

  it("refuses a package whose shapes differ from those its manifest records", async () => {
    const { packages, weights } = repoPackages(models.models["tiny-mlp"], ["b2"]);
    const dir = await mkdtemp(join(tmpdir(), "aotihub-shapes-"));
    await expect(
      loadPackages({
        packages: [{ ...packages[0]!, constants: { "a.weight": [8, 16], "a.bias": [16] } }],
        weights,
        device: "cpu",
        torchDir: (await testTorch()).dir,
        cacheDir: dir,
      }),
    ).rejects.toMatchObject({
      code: "AOTIHUB_CONSTANT_SHAPE_MISMATCH",
      message: expect.stringMatching(
        /a\.weight: the manifest says \[8, 16\], the package was compiled for \[16, 8\]/,
      ),
    });
  });
});

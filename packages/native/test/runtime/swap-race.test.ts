import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractPt2Model, type LoadedModel, loadPackages, readPt2, type Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels, type TestModels } from "../../../../test/support/test-models.js";
import { forceCrc32 } from "../support/forge-crc.js";
import { testTorch } from "../support/python.js";
import { readBucketIo, repoPackages, sameBytes } from "../support/test-repo.js";

// The swap race: the package whose sha256 was checked must be the one whose library is dlopened.
// An attacker who can rewrite the package after the check (same size, the zip CRC forged to match)
// must not get their library loaded, however long a lazily opened variant waits.

let models: TestModels;
const loaded: LoadedModel[] = [];
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  models = await ensureTestModels();
});

afterAll(() => {
  for (const m of loaded) m.dispose();
});

/** The package with one byte of its `.so`'s `.comment` text changed and the CRC forged back. */
async function forgedPackage(path: string): Promise<{ bytes: Buffer; forgedSo: string }> {
  const pkg = await readPt2(path);
  const so = pkg.models[Object.keys(pkg.models)[0]!]!.wrapperSo;
  const bytes = await readFile(path);
  const library = bytes.subarray(so.dataOffset, so.dataOffset + so.size);
  const comment = library.indexOf("GCC: (");
  expect(comment).toBeGreaterThan(0);
  library[comment + 5] = "X".charCodeAt(0); // "GCC: X": harmless to the loader, but not the bytes signed off
  forceCrc32(library, comment, so.crc32);
  return { bytes, forgedSo: sha256(library) };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("verify-then-use on one descriptor", () => {
  it("a package rewritten after the check (same size, forged CRC) is never what a variant opens", async () => {
    const repo = await mkdtemp(join(tmpdir(), "aotihub-swap-"));
    await cp(models.models["tiny-mlp"], repo, { recursive: true });
    const { packages, weights } = repoPackages(repo);
    const pinned = await Promise.all(
      packages.map(async (p) => ({ ...p, sha256: sha256(await readFile(p.path)) })),
    );
    const cacheDir = join(repo, ".so-cache");
    const lazyVariant = pinned[1]!;
    const { bytes, forgedSo } = await forgedPackage(lazyVariant.path);

    // The forgery is a valid package: extracting it by path, as a re-read would, accepts it.
    const probe = await extractPt2Model(
      await readPt2(await writeAndReturn(join(repo, "probe.pt2"), bytes)),
      "model",
      { cacheDir: join(repo, ".probe") },
    );
    expect(sha256(await readFile(probe.soPath))).toBe(forgedSo);

    const model = await loadPackages({
      packages: pinned,
      weights,
      device: "cpu",
      torchDir: (await testTorch()).dir,
      cacheDir,
      lazy: true,
    });
    loaded.push(model);
    expect(model.variants.map((v) => v.opened)).toEqual([true, false]);

    await writeFile(lazyVariant.path, bytes); // in place: same inode, same size, CRC still right
    const io = await readBucketIo(repo, lazyVariant.bucket.name);
    const [out] = (await model.run(io.inputs)) as Tensor[];
    expect(sameBytes(out!, io.outputs[0]!)).toBe(true);
    expect(model.variants.every((v) => v.opened)).toBe(true);

    const libraries = await Promise.all(
      (await filesUnder(cacheDir)).map(async (f) => sha256(await readFile(f))),
    );
    expect(libraries).not.toContain(forgedSo);
  });

  it("refuses a package whose bytes are not the pinned sha256, and leaves nothing to dlopen", async () => {
    const repo = await mkdtemp(join(tmpdir(), "aotihub-swap-"));
    await cp(models.models["tiny-mlp"], repo, { recursive: true });
    const { packages, weights } = repoPackages(repo, ["b2"]);
    const cacheDir = join(repo, ".so-cache");
    const genuine = sha256(await readFile(packages[0]!.path));
    const { bytes } = await forgedPackage(packages[0]!.path);
    await writeFile(packages[0]!.path, bytes);
    await expect(
      loadPackages({
        packages: [{ ...packages[0]!, sha256: genuine }],
        weights,
        device: "cpu",
        torchDir: (await testTorch()).dir,
        cacheDir,
      }),
    ).rejects.toMatchObject({ code: "AOTIHUB_SHA256_MISMATCH", message: expect.stringContaining(genuine) });
    expect(await filesUnder(cacheDir)).toEqual([]);
  });
});

async function writeAndReturn(path: string, bytes: Buffer): Promise<string> {
  await writeFile(path, bytes);
  return path;
}

import { createHash } from "node:crypto";
import { appendFile, chmod, copyFile, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractPt2Model, readPt2 } from "../../lib/formats/pt2/index.js";
import { PT2_FIXTURES, rejection, runPythonJson, withTempDir } from "./support/fixtures.js";
import { buildZip, pt2Entries } from "./support/zip-builder.js";

const CUDA_BLOB = PT2_FIXTURES[2]!;
const CUDA_BLOB_4 = PT2_FIXTURES[3]!;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("extractPt2Model", () => {
  it("copies the .so and cubins, byte-identical to Python's zipfile, into <cacheDir>/<key>/", async () => {
    await withTempDir(async (cacheDir) => {
      const pkg = await readPt2(CUDA_BLOB);
      const out = await extractPt2Model(pkg, "model", { cacheDir });
      expect(out.cubinDir).toBe(join(cacheDir, out.key));
      expect(out.key).toMatch(/^[0-9a-f]{64}$/);
      const model = pkg.models.model!;
      const names = [model.wrapperSo, ...model.cubins].map((e) => e.name);
      const python = await runPythonJson<Record<string, string>>(
        "import sys, json, hashlib, zipfile; z = zipfile.ZipFile(sys.argv[1]); " +
          "print(json.dumps({n: hashlib.sha256(z.read(n)).hexdigest() for n in sys.argv[2:]}))",
        [CUDA_BLOB, ...names],
      );
      const files = (await readdir(out.cubinDir)).sort();
      expect(files).toEqual(names.map((n) => n.split("/").pop()!).sort());
      for (const name of names) {
        expect(sha256(await readFile(join(out.cubinDir, name.split("/").pop()!))), name).toBe(python[name]);
      }
      expect(out.soPath).toBe(join(out.cubinDir, model.wrapperSo.name.split("/").pop()!));
      expect((await readFile(out.soPath)).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
      // nothing but the content folder is left behind
      expect(await readdir(cacheDir)).toEqual([out.key]);
    });
  });

  it("reuses the folder on the next call without copying again", async () => {
    await withTempDir(async (cacheDir) => {
      const first = await extractPt2Model(await readPt2(CUDA_BLOB), "model", { cacheDir });
      const before = await stat(first.soPath, { bigint: true });
      const second = await extractPt2Model(await readPt2(CUDA_BLOB), "model", { cacheDir });
      const after = await stat(second.soPath, { bigint: true });
      expect(second).toEqual(first);
      expect(after.ino).toBe(before.ino);
      expect(after.mtimeNs).toBe(before.mtimeNs);
      expect(after.birthtimeNs).toBe(before.birthtimeNs);
    });
  });

  it("shares one folder between packages holding the same compiled files, and not otherwise", async () => {
    await withTempDir(async (cacheDir) => {
      const a = await extractPt2Model(await readPt2(CUDA_BLOB), "model", { cacheDir });
      const b = await extractPt2Model(await readPt2(CUDA_BLOB_4), "model", { cacheDir });
      // Different batch sizes compile to different .so files.
      expect(b.key).not.toBe(a.key);
      // A renamed copy of a package is the same content.
      const c = await withTempDir(async (elsewhere) => {
        await copyFile(CUDA_BLOB, join(elsewhere, "renamed.pt2"));
        return extractPt2Model(await readPt2(join(elsewhere, "renamed.pt2")), "model", { cacheDir });
      });
      expect(c.key).toBe(a.key);
      expect((await readdir(cacheDir)).sort()).toEqual([a.key, b.key].sort());
    });
  });

  it("survives concurrent extractions of the same model", async () => {
    await withTempDir(async (cacheDir) => {
      const pkg = await readPt2(CUDA_BLOB);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => extractPt2Model(pkg, "model", { cacheDir })),
      );
      expect(new Set(results.map((r) => r.key)).size).toBe(1);
      expect(await readdir(cacheDir)).toEqual([results[0]!.key]);
    });
  });

  it("replaces a damaged folder", async () => {
    await withTempDir(async (cacheDir) => {
      const pkg = await readPt2(CUDA_BLOB);
      const first = await extractPt2Model(pkg, "model", { cacheDir });
      await chmod(first.soPath, 0o644);
      await writeFile(first.soPath, "truncated");
      const again = await extractPt2Model(pkg, "model", { cacheDir });
      expect(sha256(await readFile(again.soPath))).toBe(
        sha256(
          (await readFile(CUDA_BLOB))
            .subarray(pkg.models.model!.wrapperSo.dataOffset)
            .subarray(0, pkg.models.model!.wrapperSo.size),
        ),
      );
      expect(await readdir(cacheDir)).toEqual([first.key]);
    });
  });

  it("never reuses a library altered in place at the same size: it is replaced with the package's bytes", async () => {
    await withTempDir(async (cacheDir) => {
      const pkg = await readPt2(CUDA_BLOB);
      const first = await extractPt2Model(pkg, "model", { cacheDir });
      const genuine = await readFile(first.soPath);
      const tampered = Buffer.from(genuine);
      tampered[genuine.length >> 1]! ^= 0xff;
      await chmod(first.soPath, 0o644);
      await writeFile(first.soPath, tampered);
      const again = await extractPt2Model(pkg, "model", { cacheDir });
      expect(again.key).toBe(first.key);
      expect(sha256(await readFile(again.soPath))).toBe(sha256(genuine));
    });
  });

  it("refuses a .so whose bytes do not match the zip's CRC, and writes nothing", async () => {
    await withTempDir(async (dir) => {
      const built = buildZip(pt2Entries());
      const bytes = Buffer.from(built.bytes);
      bytes[built.dataOffsets[4]! + 10]! ^= 0xff; // flip a byte inside the .so
      const path = join(dir, "bad.pt2");
      await writeFile(path, bytes);
      const cacheDir = join(dir, "cache");
      const error = await rejection(extractPt2Model(await readPt2(path), "model", { cacheDir }));
      expect(error.code).toBe("AOTIHUB_PT2_INVALID");
      expect(error.message).toMatch(/abc\.wrapper\.so[\s\S]*checksum/);
      expect(await readdir(cacheDir).catch(() => [])).toEqual([]);
    });
  });

  it("refuses a package that changed since it was read", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "pkg.pt2");
      await writeFile(path, buildZip(pt2Entries()).bytes);
      const pkg = await readPt2(path);
      await appendFile(path, "more");
      const error = await rejection(extractPt2Model(pkg, "model", { cacheDir: join(dir, "cache") }));
      expect(error.code).toBe("AOTIHUB_PT2_INVALID");
      expect(error.message).toMatch(/changed since it was read/);
    });
  });

  it("names the models there are when asked for another", async () => {
    const pkg = await readPt2(CUDA_BLOB);
    for (const name of ["nope", "__proto__", "constructor"]) {
      const error = await rejection(extractPt2Model(pkg, name, { cacheDir: "/nonexistent" }));
      expect(error.code).toBe("AOTIHUB_PT2_MODEL_NOT_FOUND");
      expect(error.message).toMatch(/received: model/);
    }
  });
});

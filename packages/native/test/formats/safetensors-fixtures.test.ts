import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors, type SafetensorsFile } from "../../lib/formats/safetensors/index.js";
import { typedArrayFor } from "../../lib/tensor/dtypes.js";
import { runPythonJson, SAFETENSORS_FIXTURES, withTempDir } from "./support/fixtures.js";
import { judgeWithPython, WRITE_EVERY_DTYPE } from "./support/python-safetensors.js";

async function tensorBytes(file: SafetensorsFile, name: string): Promise<Buffer> {
  const info = file.tensors.find((t) => t.name === name)!;
  const handle = await open(file.path, "r");
  try {
    const buffer = Buffer.alloc(info.byteLength);
    await handle.read(buffer, 0, info.byteLength, info.byteOffset);
    return buffer;
  } finally {
    await handle.close();
  }
}

async function expectSameAsPython(paths: string[]): Promise<SafetensorsFile[]> {
  const judged = await judgeWithPython(paths);
  const files: SafetensorsFile[] = [];
  for (const [i, path] of paths.entries()) {
    const verdict = judged[i]!;
    if (!verdict.ok) throw new Error(`Python refused ${path}: ${verdict.error}`);
    const file = await readSafetensors(path);
    const ours = [];
    for (const t of file.tensors) {
      ours.push({
        name: t.name,
        dtype: t.dtype,
        shape: t.shape,
        sha256: createHash("sha256")
          .update(await tensorBytes(file, t.name))
          .digest("hex"),
      });
    }
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    expect(ours.sort(byName), path).toEqual([...verdict.tensors].sort(byName));
    files.push(file);
  }
  return files;
}

describe("readSafetensors on real files", () => {
  it("reads every fixture exactly as Python's safetensors does", async () => {
    const files = await expectSameAsPython(SAFETENSORS_FIXTURES);
    const tiny = files[0]!;
    expect(tiny.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual(
      expect.arrayContaining([
        ["a.weight", "float32", [16, 8]],
        ["a.bias", "float32", [16]],
        ["b.weight", "float32", [4, 16]],
        ["b.bias", "float32", [4]],
      ]),
    );
    expect(tiny.dataStart).toBe(8 + Number((await tensorBytesPrefix(tiny.path)).readBigUInt64LE(0)));
    expect(tiny.dataStart % 8).toBe(0);
  });

  it("reads a file of every supported dtype written by safetensors.torch.save_file", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "every.safetensors");
      await runPythonJson(WRITE_EVERY_DTYPE, [path]);
      const [file] = await expectSameAsPython([path]);
      expect(file!.metadata).toEqual({ format: "pt", note: "every dtype" });
      const dtypes = Object.fromEntries(file!.tensors.map((t) => [t.name, t.dtype]));
      expect(dtypes).toEqual({
        f32: "float32",
        f16: "float16",
        bf16: "bfloat16",
        f8e4m3: "float8_e4m3fn",
        f8e5m2: "float8_e5m2",
        i64: "int64",
        i32: "int32",
        i8: "int8",
        u8: "uint8",
        bool: "bool",
        scalar: "float32",
        empty: "float32",
      });
      const scalar = file!.tensors.find((t) => t.name === "scalar")!;
      expect(scalar.shape).toEqual([]);
      expect(scalar.byteLength).toBe(4);
      expect(file!.tensors.find((t) => t.name === "empty")!.byteLength).toBe(0);
      // Values read through the dtype table are the ones torch wrote.
      const i64 = await tensorBytes(file!, "i64");
      const view = typedArrayFor("int64", i64.buffer, i64.byteOffset, 9);
      expect(Array.from(view, Number)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5]);
      const i8 = await tensorBytes(file!, "i8");
      expect(Array.from(typedArrayFor("int8", i8.buffer, i8.byteOffset, 3))).toEqual([-128, 0, 127]);
    });
  });
});

async function tensorBytesPrefix(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(8);
    await handle.read(buffer, 0, 8, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}

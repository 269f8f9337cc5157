import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { type Pt2Package, readPt2 } from "../../lib/formats/pt2/index.js";
import { readSafetensors } from "../../lib/formats/safetensors/index.js";
import { hasPython, PT2_FIXTURES, runPythonJson } from "./support/fixtures.js";

interface PythonEntry {
  name: string;
  dataOffset: number;
  size: number;
  compressType: number;
  crc: number;
  sha256: string;
}

// Python's zipfile is the judge: it lists the entries, and its own read of each entry is hashed.
const LIST_WITH_PYTHON = `
import hashlib, json, struct, sys, zipfile
out = {}
for path in sys.argv[1:]:
    rows = []
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset)
            local = f.read(30)
            n, m = struct.unpack("<HH", local[26:30])
            rows.append({"name": info.filename, "dataOffset": info.header_offset + 30 + n + m,
                         "size": info.file_size, "compressType": info.compress_type, "crc": info.CRC,
                         "sha256": hashlib.sha256(z.read(info)).hexdigest()})
    out[path] = rows
print(json.dumps(out))
`;

async function bytesAt(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

describe("readPt2 on the real fixtures", () => {
  const packages = new Map<string, Pt2Package>();
  beforeAll(async () => {
    for (const path of PT2_FIXTURES) packages.set(path, await readPt2(path));
  });

  it.each(PT2_FIXTURES)("lists the same entries, offsets and bytes as Python's zipfile: %s", async (path) => {
    if (!hasPython()) throw new Error("the project's Python (AOTIHUB_PYTHON or .venv) is required");
    const python = await runPythonJson<Record<string, PythonEntry[]>>(LIST_WITH_PYTHON, [path]);
    const pkg = packages.get(path)!;
    expect(
      pkg.entries.map((e) => ({ name: e.name, dataOffset: e.dataOffset, size: e.size, crc: e.crc32 })),
    ).toEqual(
      python[path]!.map((p) => ({ name: p.name, dataOffset: p.dataOffset, size: p.size, crc: p.crc })),
    );
    expect(python[path]!.every((p) => p.compressType === 0)).toBe(true);
    for (const [i, entry] of pkg.entries.entries()) {
      const ours = createHash("sha256")
        .update(await bytesAt(path, entry.dataOffset, entry.size))
        .digest("hex");
      expect(ours, entry.name).toBe(python[path]![i]!.sha256);
    }
  });

  it.each(PT2_FIXTURES)("finds one model with an ELF .so, its metadata and records: %s", async (path) => {
    const pkg = packages.get(path)!;
    const top = path
      .split("/")
      .pop()!
      .replace(/\.pt2$/, "");
    expect(pkg.top).toBe(top);
    expect(pkg.size).toBe((await readFile(path)).length);
    expect(Object.keys(pkg.models)).toEqual(["model"]);
    const model = pkg.models.model!;
    expect(model.wrapperSo.name).toMatch(
      new RegExp(`^${top}/data/aotinductor/model/[a-z0-9]+\\.wrapper\\.so$`),
    );
    expect([...(await bytesAt(path, model.wrapperSo.dataOffset, 4))]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(model.wrapperSo.dataOffset % 64).toBe(0); // torch aligns stored data to 64 bytes
    expect(model.metadata.AOTI_PLATFORM).toBe("linux");
    expect(model.metadata.AOTI_MACHINE).toBe("x86_64");
    expect(model.wrapperJson).toBeNull();
  });

  it("reads the CPU packages' metadata: cpu, AVX512, no compute capability, no cubins", () => {
    for (const path of PT2_FIXTURES.filter((p) => p.includes("aoti-cpu"))) {
      const model = packages.get(path)!.models.model!;
      expect(model.metadata).toEqual({
        AOTI_DEVICE_KEY: "cpu",
        AOTI_PLATFORM: "linux",
        AOTI_MACHINE: "x86_64",
        AOTI_CPU_ISA: "AVX512 AVX512_VNNI",
        AOTI_COMPUTE_CAPABILITY: "",
      });
      expect(model.cubins).toEqual([]);
      expect(model.weightsBlob).toBeNull();
    }
  });

  it("reads the CUDA packages' metadata, cubins and weights blob", async () => {
    for (const path of PT2_FIXTURES.filter((p) => p.includes("aoti-cuda"))) {
      const model = packages.get(path)!.models.model!;
      expect(model.metadata.AOTI_DEVICE_KEY).toBe("cuda");
      expect(model.metadata.AOTI_COMPUTE_CAPABILITY).toBe("90");
      expect(model.cubins.map((c) => c.name.split("/").pop())).toHaveLength(2);
      for (const cubin of model.cubins) {
        expect(cubin.name.endsWith(".cubin")).toBe(true);
        // cubins are ELF objects for the GPU
        expect([...(await bytesAt(path, cubin.dataOffset, 4))]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
      }
      if (path.includes("tiny_blob")) {
        // The blob holds the constants, each 64-byte aligned: the state dict's tensors are found at
        // offsets inside the range the zip gives for it.
        const blob = model.weightsBlob!;
        const bytes = await bytesAt(path, blob.dataOffset, blob.size);
        const weights = await readSafetensors(path.replace(/tiny_blob_\d\.pt2$/, "tiny.safetensors"));
        for (const name of ["a.weight", "a.bias", "b.weight"]) {
          const t = weights.tensors.find((w) => w.name === name)!;
          const at = bytes.indexOf(await bytesAt(weights.path, t.byteOffset, t.byteLength));
          expect(at, name).toBeGreaterThanOrEqual(0);
          expect(at % 64, name).toBe(0);
        }
      } else {
        expect(model.weightsBlob).toBeNull();
      }
    }
  });
});

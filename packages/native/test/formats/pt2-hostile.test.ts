import { copyFile, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isAotihubError } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { type Pt2InvalidError, readPt2 } from "../../lib/formats/pt2/index.js";
import { PT2_FIXTURES, rejection, runPythonJson, withTempDir } from "./support/fixtures.js";
import { type BuildEntry, type BuildOptions, buildZip, ELF_SO, pt2Entries } from "./support/zip-builder.js";

async function readBuilt(entries: BuildEntry[], options?: BuildOptions, patch?: (bytes: Buffer) => Buffer) {
  return withTempDir(async (dir) => {
    const path = join(dir, "pkg.pt2");
    const built = buildZip(entries, options);
    await writeFile(path, patch === undefined ? built.bytes : patch(built.bytes));
    return readPt2(path);
  });
}

async function expectInvalid(promise: Promise<unknown>, message: RegExp): Promise<Pt2InvalidError> {
  const error = await rejection(promise);
  expect(isAotihubError(error), String(error)).toBe(true);
  expect(error.code).toBe("AOTIHUB_PT2_INVALID");
  expect(error.message).toMatch(message);
  expect(error.message).toMatch(/expected: .+\n {2}received: .+\n {2}what to do: .+/);
  return error as Pt2InvalidError;
}

const replaceEntry = (index: number, change: Partial<BuildEntry>) => {
  const entries = pt2Entries();
  entries[index] = { ...entries[index]!, ...change };
  return entries;
};

describe("the test zip builder", () => {
  it.each([false, true])("writes archives Python's zipfile reads the same way (zip64 %s)", async (zip64) => {
    const pkg = await readBuilt(pt2Entries(), { zip64, comment: Buffer.from("a comment") });
    const listed = await withTempDir(async (dir) => {
      const path = join(dir, "pkg.pt2");
      await writeFile(path, buildZip(pt2Entries(), { zip64, comment: Buffer.from("a comment") }).bytes);
      return runPythonJson<string[]>(
        "import sys, json, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.testzip(); print(json.dumps(z.namelist()))",
        [path],
      );
    });
    expect(pkg.entries.map((e) => e.name)).toEqual(listed);
    expect(pkg.models.model!.metadata.AOTI_COMPUTE_CAPABILITY).toBe("90");
    expect(pkg.models.model!.cubins.map((c) => c.name)).toEqual(["pkg/data/aotinductor/model/k1.cubin"]);
    expect(pkg.models.model!.weightsBlob!.size).toBe(256);
    expect(pkg.models.model!.wrapperJson!.name).toBe("pkg/data/aotinductor/model/abc.wrapper.json");
  });

  it("reads several models in one package", async () => {
    const pkg = await readBuilt([
      ...pt2Entries("pkg", "encoder"),
      ...pt2Entries("pkg", "decoder").slice(0, 5),
    ]);
    expect(Object.keys(pkg.models).sort()).toEqual(["decoder", "encoder"]);
  });
});

describe("readPt2 refuses hostile names with a typed error", () => {
  it.each([
    ["path traversal", "pkg/data/../../etc/passwd", /not a safe relative path[\s\S]*path traversal/],
    ["an absolute name", "/pkg/data/x", /absolute path/],
    ["a backslash", "pkg\\data\\x", /backslash/],
    ["a drive letter", "C:/pkg/x", /drive letter/],
    ["an empty segment", "pkg//x", /empty path segment/],
    ["a dot segment", "pkg/./x", /'\.' segment/],
    ["a NUL byte", "pkg/x\0.so", /NUL/],
    ["an entry outside the top folder", "other/data/x", /outside the archive's single top folder/],
    ["an entry with no folder", "loose-file", /outside the archive's single top folder/],
  ])("%s", async (_label, name, message) => {
    const error = await expectInvalid(readBuilt(replaceEntry(6, { name, localName: name })), message);
    expect(error.entry).toBe(name);
  });

  it("duplicate entries", async () => {
    const entries = pt2Entries();
    entries.push({ ...entries[4]!, data: Buffer.from("another .so") });
    await expectInvalid(readBuilt(entries), /two entries have the same name/);
  });

  it("a name that is not UTF-8", async () => {
    const bad = "pkg/\u00ff";
    await expectInvalid(
      readBuilt(replaceEntry(6, { name: bad, localName: bad }), {}, (bytes) => {
        // Replace the two UTF-8 bytes of "ÿ" in the central name with a lone continuation byte.
        const at = bytes.lastIndexOf(Buffer.from(bad, "utf8"));
        bytes[at + 4] = 0x80;
        bytes[at + 5] = 0x80;
        return bytes;
      }),
      /not UTF-8/,
    );
  });

  it("a local header naming another file than the central directory", async () => {
    await expectInvalid(
      readBuilt(replaceEntry(4, { localName: "pkg/data/aotinductor/model/evil.wrapper.so" })),
      /local header names another file/,
    );
  });
});

describe("readPt2 refuses entries it cannot use in place", () => {
  it("a deflated entry", async () => {
    await expectInvalid(readBuilt(replaceEntry(4, { method: 8 })), /compressed[\s\S]*method 8/);
  });
  it("a compressed size that differs from the size", async () => {
    await expectInvalid(readBuilt(replaceEntry(2, { compressedSize: 100 })), /compressed/);
  });
  it("an encrypted entry", async () => {
    await expectInvalid(readBuilt(replaceEntry(4, { flags: 1 })), /encrypted/);
  });
  it("a local header with another compression method", async () => {
    await expectInvalid(
      readBuilt(pt2Entries(), {}, (bytes) => {
        bytes.writeUInt16LE(8, 8); // first local header's method
        return bytes;
      }),
      /disagree on compression/,
    );
  });
  it("overlapping entries (a second entry hidden inside the first one's data)", async () => {
    // Entry "inner" has a genuine local header, but it sits inside the data of the .so entry: the
    // same bytes would be two files. Every header check passes; only the range check catches it.
    const inner = { name: "pkg/data/aotinductor/model/inner.cubin", data: Buffer.alloc(16, 9) };
    const innerLocal = buildZip([inner], { align: 1 }).bytes.subarray(0, 30 + 38 + 4 + 16);
    const outer = {
      name: "pkg/data/aotinductor/model/abc.wrapper.so",
      data: Buffer.concat([ELF_SO, innerLocal]),
    };
    const base = pt2Entries().filter((e) => !e.name.endsWith(".so"));
    const first = buildZip([outer, ...base, inner]);
    const hiddenAt = first.dataOffsets[0]! + ELF_SO.length;
    const error = await expectInvalid(
      readBuilt([outer, ...base, { ...inner, localHeaderOffset: hiddenAt }]),
      /two entries overlap/,
    );
    expect(error.entry).toBe(inner.name);
  });
  it("a central record pointing into the middle of another entry's data", async () => {
    const built = buildZip(pt2Entries());
    await expectInvalid(
      readBuilt(replaceEntry(3, { localHeaderOffset: built.dataOffsets[2]! + 8 })),
      /no local file header/,
    );
  });
  it("an entry whose declared size runs into the central directory", async () => {
    const built = buildZip(pt2Entries());
    await expectInvalid(
      readBuilt(pt2Entries(), {}, (bytes) => {
        const lastCentral = bytes.lastIndexOf(Buffer.from("PK\x01\x02", "latin1"));
        bytes.writeUInt32LE(10_000, lastCentral + 20);
        bytes.writeUInt32LE(10_000, lastCentral + 24);
        return bytes;
      }),
      /runs past the file's data area/,
    );
    expect(built.centralOffset).toBeGreaterThan(0);
  });
  it("an entry spilling into the next one", async () => {
    await expectInvalid(
      readBuilt(pt2Entries(), {}, (bytes) => {
        const firstCentral = bytes.indexOf(Buffer.from("PK\x01\x02", "latin1"));
        bytes.writeUInt32LE(200, firstCentral + 20);
        bytes.writeUInt32LE(200, firstCentral + 24);
        return bytes;
      }),
      /two entries overlap/,
    );
  });
  it("a local header offset past the end of the file", async () => {
    await expectInvalid(
      readBuilt(replaceEntry(3, { localHeaderOffset: 0x7fffffff })),
      /no local file header/,
    );
  });
  it("a metadata record whose CRC does not match", async () => {
    await expectInvalid(readBuilt(replaceEntry(1, { crc32: 1234 })), /do not match its checksum/);
  });
});

describe("readPt2 refuses broken directories", () => {
  const count = pt2Entries().length;
  it.each([
    ["a file too small for an EOCD", () => Buffer.from("PK\x05\x06", "latin1"), /too small/],
    ["a file that is not a zip", () => Buffer.alloc(5000, 0x41), /no End Of Central Directory/],
    [
      "an EOCD comment length that lies",
      (b: Buffer) => {
        b.writeUInt16LE(5, b.length - 2);
        return b;
      },
      /no End Of Central Directory/,
    ],
    [
      "an EOCD pointing at the wrong central directory offset",
      (b: Buffer) => {
        b.writeUInt32LE(b.readUInt32LE(b.length - 6) + 1, b.length - 6);
        return b;
      },
      /central directory is not where/,
    ],
    [
      "an EOCD with a wrong central directory size",
      (b: Buffer) => {
        b.writeUInt32LE(b.readUInt32LE(b.length - 10) - 46, b.length - 10);
        return b;
      },
      /central directory is not where/,
    ],
    [
      "an EOCD with too many entries",
      (b: Buffer) => {
        b.writeUInt16LE(count + 1, b.length - 14);
        b.writeUInt16LE(count + 1, b.length - 12);
        return b;
      },
      /cut off|bad signature/,
    ],
    [
      "an EOCD with too few entries",
      (b: Buffer) => {
        b.writeUInt16LE(count - 1, b.length - 14);
        b.writeUInt16LE(count - 1, b.length - 12);
        return b;
      },
      /more than its entries/,
    ],
    [
      "an EOCD with inconsistent entry counts",
      (b: Buffer) => {
        b.writeUInt16LE(count - 1, b.length - 14);
        return b;
      },
      /inconsistent entry counts/,
    ],
    [
      "a multi-disk EOCD",
      (b: Buffer) => {
        b.writeUInt16LE(1, b.length - 18);
        return b;
      },
      /multi-disk/,
    ],
    [
      "a central header with a bad signature",
      (b: Buffer) => {
        b.write("XX", b.indexOf(Buffer.from("PK\x01\x02", "latin1")), "latin1");
        return b;
      },
      /bad signature/,
    ],
  ])("%s", async (_label, patch, message) => {
    await expectInvalid(readBuilt(pt2Entries(), {}, patch as (b: Buffer) => Buffer), message);
  });

  it("a ZIP64 locator pointing outside the file", async () => {
    await expectInvalid(
      readBuilt(pt2Entries(), { zip64: true }, (b) => {
        b.writeBigUInt64LE(0xffffffffffn, b.length - 22 - 20 + 8);
        return b;
      }),
      /ZIP64 locator points outside/,
    );
  });

  it("a ZIP64 record that disagrees with the EOCD", async () => {
    await expectInvalid(
      readBuilt(pt2Entries(), { zip64: true }, (b) => {
        const record = b.length - 22 - 20 - 56;
        b.writeBigUInt64LE(b.readBigUInt64LE(record + 48) - 1n, record + 48);
        return b;
      }),
      /disagree/,
    );
  });

  it("a ZIP64 record with a bogus length", async () => {
    await expectInvalid(
      readBuilt(pt2Entries(), { zip64: true }, (b) => {
        b.writeBigUInt64LE(1n << 60n, b.length - 22 - 20 - 56 + 4);
        return b;
      }),
      /wrong length/,
    );
  });

  it("uses the ZIP64 values when the EOCD holds sentinels", async () => {
    const pkg = await readBuilt(pt2Entries(), { zip64: true }, (b) => {
      b.writeUInt16LE(0xffff, b.length - 14);
      b.writeUInt16LE(0xffff, b.length - 12);
      b.writeUInt32LE(0xffffffff, b.length - 10);
      b.writeUInt32LE(0xffffffff, b.length - 6);
      return b;
    });
    expect(pkg.entries).toHaveLength(count);
  });

  it("sentinels without a ZIP64 record", async () => {
    await expectInvalid(
      readBuilt(pt2Entries(), {}, (b) => {
        b.writeUInt32LE(0xffffffff, b.length - 6);
        return b;
      }),
      /central directory is not where/,
    );
  });

  it("reads sizes and offsets from ZIP64 extra fields, as Python's zipfile does", async () => {
    const entries = pt2Entries().map((e) => ({ ...e, zip64Fields: true }));
    const pkg = await readBuilt(entries, { zip64: true });
    const plain = await readBuilt(pt2Entries(), { zip64: true });
    expect(pkg.entries.map(({ name, size, crc32 }) => ({ name, size, crc32 }))).toEqual(
      plain.entries.map(({ name, size, crc32 }) => ({ name, size, crc32 })),
    );
    const listed = await withTempDir(async (dir) => {
      const path = join(dir, "pkg.pt2");
      await writeFile(path, buildZip(entries, { zip64: true }).bytes);
      return runPythonJson<[string, number, number][]>(
        "import sys, json, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.testzip(); " +
          "print(json.dumps([[i.filename, i.file_size, i.header_offset] for i in z.infolist()]))",
        [path],
      );
    });
    expect(listed.map(([name, size]) => [name, size])).toEqual(pkg.entries.map((e) => [e.name, e.size]));
  });

  it("a ZIP64 extra field too short for the sentinels it must resolve", async () => {
    await expectInvalid(
      readBuilt(replaceEntry(2, { zip64Fields: true, truncateZip64Extra: 8 })),
      /local header offset of an entry is missing from its ZIP64 extra field/,
    );
  });

  it("accepts a zip comment, even one that contains an EOCD signature", async () => {
    const comment = Buffer.concat([Buffer.from("PK\x05\x06", "latin1"), Buffer.alloc(30, 0x20)]);
    const pkg = await readBuilt(pt2Entries(), { comment });
    expect(pkg.entries).toHaveLength(count);
  });
});

describe("readPt2 refuses packages with unusable models", () => {
  it("an empty archive", async () => {
    await expectInvalid(readBuilt([]), /archive is empty/);
  });
  it("no model folder", async () => {
    await expectInvalid(readBuilt(pt2Entries().slice(5)), /holds no compiled model/);
  });
  it("a model without its .so", async () => {
    await expectInvalid(
      readBuilt(pt2Entries().filter((e) => !e.name.endsWith(".so"))),
      /no compiled library/,
    );
  });
  it("a model with two .so files", async () => {
    const entries = pt2Entries();
    entries.push({ name: "pkg/data/aotinductor/model/def.wrapper.so", data: ELF_SO });
    await expectInvalid(readBuilt(entries), /several \.wrapper\.so/);
  });
  it("two cubins with one base name", async () => {
    const entries = pt2Entries();
    entries.push({ name: "pkg/data/aotinductor/model/sub/k1.cubin", data: Buffer.alloc(4) });
    await expectInvalid(readBuilt(entries), /two cubins with the same file name/);
  });
  it.each([
    ["not JSON", "{nope", /not valid JSON/],
    ["not an object", "[1, 2]", /not a JSON object/],
    ["a non-string value", '{"AOTI_DEVICE_KEY": 1}', /not a string/],
  ])("metadata that is %s", async (_label, text, message) => {
    await expectInvalid(readBuilt(replaceEntry(1, { data: Buffer.from(text) })), message);
  });
  it("an archive_format that is not pt2", async () => {
    await expectInvalid(readBuilt(replaceEntry(5, { data: Buffer.from("zip") })), /not a pt2 package/);
  });
});

describe("readPt2 on truncated real packages", () => {
  it("gives a typed error at every cut, never a crash or a hang", async () => {
    await withTempDir(async (dir) => {
      const source = PT2_FIXTURES[2]!; // CUDA blob package: cubins, blob, .so
      const size = (await readFile(source)).length;
      const cuts = new Set<number>([
        0,
        1,
        21,
        22,
        100,
        size - 1,
        size - 21,
        size - 22,
        size - 23,
        size - 42,
        size - 98,
      ]);
      for (let i = 1; i < 40; i++) cuts.add(Math.floor((size * i) / 40));
      for (let i = 1; i <= 64; i++) cuts.add(size - i * 23); // through the central directory
      const path = join(dir, "cut.pt2");
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        await copyFile(source, path);
        await truncate(path, cut);
        const error = await rejection(readPt2(path));
        expect(error.code, `cut at ${cut}: ${error.message}`).toBe("AOTIHUB_PT2_INVALID");
      }
    });
  });
});

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isAotihubError } from "@aotihub/registry";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractPt2Model, type Pt2Package, readPt2 } from "../../lib/formats/pt2/index.js";
import { readSafetensors, type SafetensorsFile } from "../../lib/formats/safetensors/index.js";
import { PT2_FIXTURES, SAFETENSORS_FIXTURES, withTempDir } from "./support/fixtures.js";

/** Byte edits: overwrite at a position (drawn from the given regions), and maybe truncate. */
function mutations(size: number, regions: readonly [number, number][]) {
  const position = fc.tuple(fc.integer({ min: 0, max: regions.length - 1 }), fc.nat()).map(([r, n]) => {
    const [start, end] = regions[r]!;
    return start + (n % Math.max(1, end - start));
  });
  const edit = fc.record({
    at: position,
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc.constantFrom(
        Buffer.from([0xff, 0xff, 0xff, 0xff]),
        Buffer.from([0, 0, 0, 0]),
        Buffer.from("PK\x05\x06", "latin1"),
        Buffer.from("PK\x01\x02", "latin1"),
        Buffer.from("../", "latin1"),
        Buffer.from('"]}', "latin1"),
      ),
    ),
  });
  return fc.record({
    edits: fc.array(edit, { minLength: 1, maxLength: 4 }),
    truncateTo: fc.option(fc.integer({ min: 0, max: size }), { freq: 4 }),
  });
}

function apply(source: Buffer, m: { edits: { at: number; bytes: Uint8Array }[]; truncateTo: number | null }) {
  const bytes = Buffer.from(source);
  for (const { at, bytes: patch } of m.edits)
    bytes.set(patch.subarray(0, Math.max(0, bytes.length - at)), at);
  return m.truncateTo === null ? bytes : bytes.subarray(0, m.truncateTo);
}

function expectTypedError(error: unknown, code: string): void {
  if (!isAotihubError(error) || error.code !== code) throw error;
}

function checkPackage(pkg: Pt2Package, size: number): void {
  const names = new Set<string>();
  for (const e of pkg.entries) {
    expect(e.dataOffset + e.size).toBeLessThanOrEqual(size);
    expect(names.has(e.name)).toBe(false);
    expect(e.name.startsWith(`${pkg.top}/`)).toBe(true);
    expect(e.name.split("/")).not.toContain("..");
    names.add(e.name);
  }
  const sorted = [...pkg.entries].sort((a, b) => a.dataOffset - b.dataOffset);
  for (let i = 1; i < sorted.length; i++) {
    expect(sorted[i]!.dataOffset).toBeGreaterThanOrEqual(sorted[i - 1]!.dataOffset + sorted[i - 1]!.size);
  }
}

function checkSafetensors(file: SafetensorsFile): void {
  let at = file.dataStart;
  for (const t of file.tensors) {
    expect(t.byteOffset).toBe(at);
    at += t.byteLength;
  }
  expect(at).toBe(file.size);
}

describe("fuzzing with mutated real fixtures", () => {
  it("readPt2 and extractPt2Model give a valid result or AOTIHUB_PT2_INVALID", async () => {
    const source = await readFile(PT2_FIXTURES[2]!); // CUDA blob package: 13 entries, cubins and blob
    const valid = await readPt2(PT2_FIXTURES[2]!);
    // Structure lives in the local headers (before each entry's data) and the directory at the end.
    const regions: [number, number][] = [
      [source.length - 2048, source.length],
      ...valid.entries.map((e): [number, number] => [Math.max(0, e.dataOffset - 200), e.dataOffset]),
    ];
    let accepted = 0;
    await withTempDir(async (dir) => {
      const path = join(dir, "mutant.pt2");
      await fc.assert(
        fc.asyncProperty(mutations(source.length, regions), async (m) => {
          const bytes = apply(source, m);
          await writeFile(path, bytes);
          let pkg: Pt2Package;
          try {
            pkg = await readPt2(path);
          } catch (error) {
            expectTypedError(error, "AOTIHUB_PT2_INVALID");
            return;
          }
          accepted++;
          checkPackage(pkg, bytes.length);
          for (const name of Object.keys(pkg.models)) {
            await extractPt2Model(pkg, name, { cacheDir: join(dir, "cache") }).catch((error) =>
              expectTypedError(error, "AOTIHUB_PT2_INVALID"),
            );
          }
        }),
        { numRuns: 150, seed: Number(process.env.FUZZ_SEED ?? 20261125) },
      );
    });
    // Edits that only touch padding are accepted: the property really sees both outcomes.
    expect(accepted).toBeGreaterThan(0);
  });

  it("readSafetensors gives a valid result or AOTIHUB_SAFETENSORS_INVALID", async () => {
    const source = await readFile(SAFETENSORS_FIXTURES[0]!);
    let accepted = 0;
    await withTempDir(async (dir) => {
      const path = join(dir, "mutant.safetensors");
      await fc.assert(
        fc.asyncProperty(
          mutations(source.length, [
            [0, 8],
            [8, source.length - 832],
            [0, source.length],
          ]),
          async (m) => {
            await writeFile(path, apply(source, m));
            try {
              checkSafetensors(await readSafetensors(path));
              accepted++;
            } catch (error) {
              expectTypedError(error, "AOTIHUB_SAFETENSORS_INVALID");
            }
          },
        ),
        { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? 20261125) },
      );
    });
    expect(accepted).toBeGreaterThan(0);
  });

  it("readSafetensors survives arbitrary JSON headers", async () => {
    const tensorLike = fc.record(
      {
        dtype: fc.oneof(fc.constantFrom("F32", "BF16", "I64", "BOOL", "F8_E4M3", "F64", "x"), fc.anything()),
        shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 3 }), fc.anything()),
        data_offsets: fc.oneof(fc.tuple(fc.nat(64), fc.nat(64)), fc.anything()),
      },
      { requiredKeys: [] },
    );
    await withTempDir(async (dir) => {
      const path = join(dir, "header.safetensors");
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(tensorLike, fc.jsonValue())),
          fc.nat(64),
          async (header, dataLength) => {
            const json = Buffer.from(JSON.stringify(header));
            const length = Buffer.alloc(8);
            length.writeBigUInt64LE(BigInt(json.length));
            await writeFile(path, Buffer.concat([length, json, Buffer.alloc(dataLength)]));
            try {
              checkSafetensors(await readSafetensors(path));
            } catch (error) {
              expectTypedError(error, "AOTIHUB_SAFETENSORS_INVALID");
            }
          },
        ),
        { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20261125) },
      );
    });
  });
});

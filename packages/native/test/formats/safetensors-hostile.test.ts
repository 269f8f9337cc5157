import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAotihubError } from "@aotihub/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSafetensors } from "../../lib/formats/safetensors/index.js";
import { rejection, withTempDir } from "./support/fixtures.js";
import { judgeWithPython } from "./support/python-safetensors.js";
import { type BuildTensor, buildSafetensors } from "./support/safetensors-builder.js";

const f32 = (name: string, n: number, extra: Partial<BuildTensor> = {}): BuildTensor => ({
  name,
  dtype: "F32",
  shape: [n],
  data: Buffer.alloc(4 * n, 1),
  ...extra,
});
const valid = () => [
  f32("a", 4),
  f32("b", 2, { dtype: "I32" }),
  { name: "c", dtype: "BF16", shape: [2, 2], data: Buffer.alloc(8) },
];

/**
 * Each case: the bytes, what our error must say, and, only where we are deliberately stricter than
 * the format, why Python's safetensors accepts it. Python judges every case.
 */
const CASES: [label: string, bytes: () => Buffer, message: RegExp, pythonAccepts?: string][] = [
  ["an empty file", () => Buffer.alloc(0), /too small to hold a header length/],
  ["a 7-byte file", () => Buffer.alloc(7), /too small/],
  [
    "a header length past the end of the file",
    () => buildSafetensors(valid(), { declaredLength: 10_000n }),
    /runs past the end/,
  ],
  [
    "a header length above 100 MB",
    () => buildSafetensors(valid(), { declaredLength: 100_000_001n }),
    /header length is too large/,
  ],
  [
    "a header length of 2^64 - 1",
    () => buildSafetensors(valid(), { declaredLength: 2n ** 64n - 1n }),
    /too large/,
  ],
  ["a header that is not JSON", () => buildSafetensors([], { rawHeader: '{"a": ' }), /not UTF-8 JSON/],
  [
    "a header that is not UTF-8",
    () => Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]),
    /not UTF-8 JSON/,
  ],
  ["a header that is an array", () => buildSafetensors([], { rawHeader: "[]" }), /not a JSON object/],
  [
    "a tensor entry that is not an object",
    () => buildSafetensors([], { rawHeader: '{"a": 3}' }),
    /not an object/,
  ],
  [
    "an unknown dtype",
    () => buildSafetensors([f32("a", 2, { dtype: "X9" })]),
    /unsupported dtype X9[\s\S]*F32, F16, BF16/,
  ],
  [
    "a dtype we do not support (F64)",
    () => buildSafetensors([f32("a", 2, { dtype: "F64", shape: [1] })]),
    /unsupported dtype F64/,
    "valid safetensors: aotihub supports fewer dtypes than the format",
  ],
  [
    "a dtype we do not support (U16)",
    () => buildSafetensors([f32("a", 2, { dtype: "U16", shape: [4] })]),
    /unsupported dtype U16/,
    "valid safetensors: aotihub supports fewer dtypes than the format",
  ],
  [
    "a byte size too small for the shape",
    () => buildSafetensors([f32("a", 4, { shape: [5] })]),
    /byte size does not match/,
  ],
  [
    "a byte size too large for the shape",
    () => buildSafetensors([f32("a", 4, { shape: [3] })]),
    /byte size does not match/,
  ],
  [
    "a negative dimension",
    () => buildSafetensors([f32("a", 4, { shape: [-4] })]),
    /shape is not a list of non-negative integers/,
  ],
  ["a fractional dimension", () => buildSafetensors([f32("a", 4, { shape: [2.5] })]), /shape is not a list/],
  [
    "a shape whose size overflows",
    () => buildSafetensors([f32("a", 1, { shape: [2 ** 40, 2 ** 40] })]),
    /byte size does not match/,
  ],
  [
    "data_offsets with three numbers",
    () => buildSafetensors([f32("a", 1, { offsets: [0, 4, 8] as never })]),
    /data_offsets are not two/,
  ],
  [
    "data_offsets that end before they begin",
    () => buildSafetensors([f32("a", 1, { offsets: [4, 0] })]),
    /ends before it begins/,
  ],
  [
    "overlapping tensors",
    () => buildSafetensors([f32("a", 4), f32("b", 4, { offsets: [8, 24] })]),
    /tensors overlap/,
  ],
  [
    "a gap between tensors",
    () => buildSafetensors([f32("a", 4), f32("b", 2, { offsets: [20, 28] })]),
    /a gap between tensors/,
  ],
  [
    "a first tensor not at offset 0",
    () => buildSafetensors([f32("a", 2, { offsets: [4, 12] })]),
    /a gap between tensors/,
  ],
  [
    "offsets past the end of the file",
    () => buildSafetensors([f32("a", 4), f32("b", 2, { offsets: [16, 24], data: Buffer.alloc(0) })]),
    /do not cover the data section[\s\S]*truncated/,
  ],
  [
    "trailing bytes no tensor claims",
    () => Buffer.concat([buildSafetensors(valid()), Buffer.alloc(3)]),
    /do not cover the data section[\s\S]*trailing/,
  ],
  [
    "a non-string metadata value",
    () => buildSafetensors(valid(), { metadata: { n: 3 as never } }),
    /__metadata__ value is not a string/,
  ],
  [
    "metadata that is a list",
    () => buildSafetensors(valid(), { rawHeader: '{"__metadata__": [1]}' }),
    /__metadata__ is not an object/,
  ],
];

describe("readSafetensors refuses hostile files with a typed error, as Python's safetensors does", () => {
  let dir: string;
  let verdicts: Awaited<ReturnType<typeof judgeWithPython>>;
  const pathOf = (i: number) => join(dir, `case-${i}.safetensors`);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aotihub-st-hostile-"));
    for (const [i, [, bytes]] of CASES.entries()) await writeFile(pathOf(i), bytes());
    await writeFile(join(dir, "valid.safetensors"), buildSafetensors(valid(), { metadata: { k: "v" } }));
    verdicts = await judgeWithPython([...CASES.map((_, i) => pathOf(i)), join(dir, "valid.safetensors")]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("the test writer's valid file is read the same by both", async () => {
    expect(verdicts.at(-1)).toMatchObject({ ok: true });
    const file = await readSafetensors(join(dir, "valid.safetensors"));
    expect(file.metadata).toEqual({ k: "v" });
    expect(
      file.tensors.map((t) => [t.name, t.dtype, t.shape, t.byteOffset - file.dataStart, t.byteLength]),
    ).toEqual([
      ["a", "float32", [4], 0, 16],
      ["b", "int32", [2], 16, 8],
      ["c", "bfloat16", [2, 2], 24, 8],
    ]);
  });

  it.each(CASES.map((c, i) => [c[0], i, c[2], c[3]] as const))(
    "%s",
    async (_label, i, message, pythonAccepts) => {
      const error = await rejection(readSafetensors(pathOf(i)));
      expect(isAotihubError(error), String(error)).toBe(true);
      expect(error.code).toBe("AOTIHUB_SAFETENSORS_INVALID");
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/expected: .+\n {2}received: .+\n {2}what to do: .+/);
      expect(verdicts[i], pythonAccepts ?? "Python's safetensors accepted it").toMatchObject({
        ok: pythonAccepts !== undefined,
      });
    },
  );
});

describe("readSafetensors accepts the odd but valid headers Python's safetensors accepts", () => {
  const one = '"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  const ODD: [label: string, header: string, names: string[]][] = [
    ["leading whitespace", ` {${one}}`, ["a"]],
    ["a repeated key (the last wins, as in serde)", `{${one},${one}}`, ["a"]],
    ["no tensors at all", "{}", []],
    [
      "unknown fields in a tensor entry",
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}',
      ["a"],
    ],
    ["a null __metadata__", `{"__metadata__":null,${one}}`, ["a"]],
  ];
  let dir: string;
  let verdicts: Awaited<ReturnType<typeof judgeWithPython>>;
  const pathOf = (i: number) => join(dir, `odd-${i}.safetensors`);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aotihub-st-odd-"));
    for (const [i, [, header, names]] of ODD.entries()) {
      const data = Buffer.alloc(4 * names.length);
      await writeFile(pathOf(i), Buffer.concat([buildSafetensors([], { rawHeader: header }), data]));
    }
    verdicts = await judgeWithPython(ODD.map((_, i) => pathOf(i)));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(ODD.map((c, i) => [c[0], i, c[2]] as const))("%s", async (_label, i, names) => {
    expect(verdicts[i]).toMatchObject({ ok: true });
    expect((await readSafetensors(pathOf(i))).tensors.map((t) => t.name)).toEqual(names);
  });
});

describe("readSafetensors on truncated real files", () => {
  it("gives a typed error at every cut", async () => {
    await withTempDir(async (dir) => {
      const bytes = buildSafetensors(valid(), { metadata: { k: "v" } });
      for (let cut = 0; cut < bytes.length; cut++) {
        const path = join(dir, "cut.safetensors");
        await writeFile(path, bytes.subarray(0, cut));
        const error = await rejection(readSafetensors(path));
        expect(error.code, `cut at ${cut}`).toBe("AOTIHUB_SAFETENSORS_INVALID");
      }
    });
  });
});

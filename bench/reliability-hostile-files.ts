// Hostile weight (.safetensors) and package (.pt2) files: hand-made families of lies plus seeded
// mutations of a real compiled model's files. Each is loaded in a child process the way a user's
// process would load it (read, then bind/open it with the native runtime when the reader accepts
// it); the outcome must be a typed AOTIHUB_* error or a correct load, never a crash or a bare error.
// Run: pnpm exec tsx bench/reliability-hostile-files.ts   (SEED=n to vary the mutations)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BuildTensor,
  buildSafetensors,
} from "../packages/native/test/formats/support/safetensors-builder.js";
import {
  type BuildEntry,
  buildZip,
  ELF_SO,
  pt2Entries,
} from "../packages/native/test/formats/support/zip-builder.js";
import { repoRoot } from "../test/support/repo-root.js";
import { ensureTestModels } from "../test/support/test-models.js";
import { machineLine, writeDocSection } from "./reliability/doc-section.js";
import type { HostileCase } from "./reliability/load-hostile-child.js";

const SEED = Number(process.env.SEED ?? 20261130);
const MUTANTS = Number(process.env.MUTANTS ?? 300);
let state = SEED >>> 0 || 1;
const rand = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;

const models = await ensureTestModels();
const repo = models.models["tiny-mlp"];
const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8"));
const artifact = manifest.artifacts.find((a: { bucket: { name: string } }) => a.bucket.name === "b2");
const realPackage = join(repo, artifact.path);
const realWeights = join(repo, manifest.weights[artifact.profile].files[0]);
const dir = mkdtempSync(join(tmpdir(), "aotihub-hostile-"));
const cases: HostileCase[] = [];
const add = (kind: HostileCase["kind"], family: string, bytes: Uint8Array) => {
  const path = join(dir, `${cases.length}.${kind}`);
  writeFileSync(path, bytes);
  cases.push({ kind, family, path });
};

// ---- hand-made safetensors lies
const f32 = (n: number) => new Uint8Array(n * 4).fill(1);
const t = (over: Partial<BuildTensor> = {}): BuildTensor => ({
  name: "w",
  dtype: "F32",
  shape: [2, 2],
  data: f32(4),
  ...over,
});
for (const dtype of ["F33", "", "f32", "U128", "F8_E4M3FNUZ", "BOOL8", "I4", "complex64", "null"])
  add("safetensors", "unknown dtype", buildSafetensors([t({ dtype })]));
for (const shape of [
  [-1, 4],
  [2 ** 53, 2],
  [2 ** 31, 2 ** 31, 2 ** 31],
  [1.5, 2],
  [3, 2],
  [0, 4],
  [2, 2, 2],
  [],
] as number[][])
  add("safetensors", "shape vs bytes", buildSafetensors([t({ shape })]));
for (const offsets of [
  [0, 8],
  [8, 24],
  [-4, 12],
  [0, 2 ** 40],
  [16, 0],
  [4, 20],
  [0, 17],
  [2 ** 53, 2 ** 53 + 16],
] as [number, number][])
  add("safetensors", "data offsets", buildSafetensors([t({ offsets })]));
add(
  "safetensors",
  "overlapping tensors",
  buildSafetensors([t({ name: "a" }), t({ name: "b", offsets: [8, 24] })]),
);
add(
  "safetensors",
  "gap between tensors",
  buildSafetensors([t({ name: "a" }), t({ name: "b", offsets: [20, 36] })]),
);
add(
  "safetensors",
  "tensors out of order",
  buildSafetensors([t({ name: "a", offsets: [16, 32] }), t({ name: "b", offsets: [0, 16] })]),
);
for (const declaredLength of [0n, 7n, 2n ** 63n, 2n ** 64n - 1n, 100_000_001n, 1n << 40n, 3n])
  add("safetensors", "declared header length", buildSafetensors([t()], { declaredLength }));
for (const rawHeader of [
  "",
  "{",
  "[]",
  "null",
  "42",
  '"str"',
  "{}",
  '{"w": 1}',
  '{"w": {"dtype": "F32"}}',
  '{"w": {"dtype": "F32", "shape": [2,2]}}',
  '{"w": {"dtype": "F32", "shape": "2x2", "data_offsets": [0, 16]}}',
  '{"w": {"dtype": "F32", "shape": [2,2], "data_offsets": [0]}}',
  '{"w": {"dtype": "F32", "shape": [2,2], "data_offsets": [0, 16, 32]}}',
  '{"w": {"dtype": 7, "shape": [2,2], "data_offsets": [0, 16]}}',
  '{"w": {"dtype": "F32", "shape": [2,2], "data_offsets": [0, 16]}, "w": {"dtype": "F32", "shape": [2,2], "data_offsets": [0, 16]}}',
  '{"__metadata__": {"a": 1}}',
  '{"__metadata__": "x"}',
  '{"__metadata__": {"format": ["pt"]}}',
  `{"${"\u0000"}": {"dtype": "F32", "shape": [2,2], "data_offsets": [0, 16]}}`,
  `${"[".repeat(100_000)}`,
  `{"a": ${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
  '{"w": {"dtype": "F32", "shape": [2,2], "data_offsets": [0, 16]}} trailing',
  "\u00ff\u00fe{",
  '{"w": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 16]}}',
  '{"w": {"dtype": "F32", "shape": [2,2], "data_offsets": [0, 1e20]}}',
])
  add("safetensors", "header JSON", buildSafetensors([t()], { rawHeader }));
for (const dtype of [
  "F64",
  "F32",
  "F16",
  "BF16",
  "I64",
  "I32",
  "I16",
  "I8",
  "U8",
  "BOOL",
  "F8_E4M3FN",
  "F8_E5M2",
  "U16",
  "U32",
  "U64",
])
  add(
    "safetensors",
    "dtype vs byte length",
    buildSafetensors([t({ dtype, shape: [3], data: new Uint8Array(16) })]),
  );
for (const n of [0, 1, 7, 8, 9, 15]) add("safetensors", "tiny file", buildSafetensors([t()]).subarray(0, n));
const realSafetensors = readFileSync(realWeights);
for (const cut of [0.1, 0.5, 0.9, 0.99])
  add(
    "safetensors",
    "truncated real weights",
    realSafetensors.subarray(0, Math.floor(realSafetensors.length * cut)),
  );
add("safetensors", "real weights + junk", Buffer.concat([realSafetensors, Buffer.alloc(1000, 7)]));
for (const name of ["../evil", "/abs", "a".repeat(100_000), "w\nx", ""])
  add("safetensors", "tensor names", buildSafetensors([t({ name })]));
for (let k = 0; k < 20; k++) {
  const many = Array.from({ length: 50 + k * 10 }, (_, i) => t({ name: `t${i}`, shape: [1], data: f32(1) }));
  add(
    "safetensors",
    "many tensors, last lies",
    buildSafetensors(
      many.map((m, i) =>
        i === many.length - 1 ? { ...m, offsets: [i * 4, i * 4 + 8 + k] as [number, number] } : m,
      ),
    ),
  );
}

// ---- hand-made .pt2 lies
// CPU packages, so that what the reader accepts goes on to the native loader on this machine
const cpuMetadata = {
  AOTI_DEVICE_KEY: "cpu",
  AOTI_PLATFORM: "linux",
  AOTI_MACHINE: "x86_64",
  AOTI_CPU_ISA: "AVX2",
};
const cpuEntries = (top = "pkg") => {
  const entries = pt2Entries(top, "model");
  entries[1] = { ...entries[1]!, data: Buffer.from(JSON.stringify(cpuMetadata)) };
  return entries;
};
const replace = (index: number, change: Partial<BuildEntry>) => {
  const entries = cpuEntries();
  entries[index] = { ...entries[index]!, ...change };
  return entries;
};
for (const name of [
  "../x",
  "/abs/x",
  "pkg/../../x",
  "pkg/data/aotinductor/model/../../../../etc/x.so",
  "C:\\x",
  "pkg\\..\\x",
  "pkg/data/aotinductor/model/\u0000.so",
  "",
  "pkg//x",
  "./pkg/x",
])
  add("pt2", "entry names", buildZip(replace(4, { name })).bytes);
for (let i = 0; i < 7; i++) add("pt2", "crc lies", buildZip(replace(i, { crc32: 0xdeadbeef })).bytes);
for (const method of [8, 12, 14, 99, 65535])
  add("pt2", "compression methods", buildZip(replace(4, { method })).bytes);
for (const flags of [1, 0x41, 0x2000, 8])
  add("pt2", "flags (encryption, data descriptor)", buildZip(replace(4, { flags })).bytes);
for (const localName of ["pkg/other", "x", "../y"])
  add("pt2", "local/central name mismatch", buildZip(replace(4, { localName })).bytes);
for (const compressedSize of [0, 1, 2 ** 31, 0xfffffffe])
  add("pt2", "central sizes", buildZip(replace(4, { compressedSize })).bytes);
for (const localHeaderOffset of [0, 1, 10_000_000, 0xfffffffe])
  add("pt2", "local header offsets", buildZip(replace(4, { localHeaderOffset })).bytes);
for (const truncateZip64Extra of [1, 4, 8, 16])
  add(
    "pt2",
    "zip64 extra truncated",
    buildZip(replace(4, { zip64Fields: true, truncateZip64Extra }), { zip64: true }).bytes,
  );
{
  const twin = cpuEntries();
  add("pt2", "duplicate entries", buildZip([...twin, twin[4]!]).bytes);
  add("pt2", "no .so", buildZip(twin.filter((_, i) => i !== 4)).bytes);
  add("pt2", "no metadata", buildZip(twin.filter((_, i) => i !== 1)).bytes);
  add("pt2", "metadata not JSON", buildZip(replace(1, { data: Buffer.from("{nope") })).bytes);
  add(
    "pt2",
    "metadata wrong types",
    buildZip(replace(1, { data: Buffer.from('{"AOTI_DEVICE_KEY": 5}') })).bytes,
  );
  add(
    "pt2",
    "a .so that is not ELF",
    buildZip(replace(4, { data: Buffer.from("#!/bin/sh\necho hi\n") })).bytes,
  );
  add("pt2", "an ELF header and nothing else", buildZip(replace(4, { data: ELF_SO.subarray(0, 64) })).bytes);
  add("pt2", "two top folders", buildZip([...cpuEntries("a"), ...cpuEntries("b")]).bytes);
  add("pt2", "well-formed archive, fake ELF .so", buildZip(twin).bytes);
  for (let i = 0; i < twin.length; i++) {
    add("pt2", "method lie, each entry", buildZip(replace(i, { method: 8 })).bytes);
    add(
      "pt2",
      "central size lie, each entry",
      buildZip(replace(i, { compressedSize: twin[i]!.data.length + 1 })).bytes,
    );
    add("pt2", "local name lie, each entry", buildZip(replace(i, { localName: `${twin[i]!.name}x` })).bytes);
  }
  const built = buildZip(twin);
  for (const at of [
    built.eocdOffset,
    built.centralOffset,
    built.eocdOffset + 10,
    built.eocdOffset + 16,
    built.centralOffset + 42,
  ])
    for (const v of [0, 0xffffffff, 0x7fffffff]) {
      const bytes = Buffer.from(built.bytes);
      bytes.writeUInt32LE(v, Math.min(at, bytes.length - 4));
      add("pt2", "directory fields", bytes);
    }
  for (const n of [0, 4, 22, 100, built.bytes.length - 1, built.bytes.length - 22])
    add("pt2", "truncated archive", built.bytes.subarray(0, n));
}
const realPt2 = readFileSync(realPackage);
for (const cut of [0.05, 0.5, 0.95, 0.999])
  add("pt2", "truncated real package", realPt2.subarray(0, Math.floor(realPt2.length * cut)));
add("pt2", "real package + junk", Buffer.concat([realPt2, Buffer.alloc(4096, 0x50)]));
const handMade = cases.length;

// ---- seeded mutations of the real files: structure lives at both ends of each
const mutate = (source: Buffer, regions: [number, number][]) => {
  const bytes = Buffer.from(source);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const [start, end] = pick(regions);
    const at = start + Math.floor(rand() * Math.max(1, end - start));
    const patch = pick([
      () => Buffer.from([Math.floor(rand() * 256)]),
      () => Buffer.from([0xff, 0xff, 0xff, 0xff]),
      () => Buffer.from([0, 0, 0, 0]),
      () => Buffer.from("PK\x01\x02", "latin1"),
      () => Buffer.from("../", "latin1"),
      () => Buffer.from('"]}', "latin1"),
    ])();
    patch.copy(bytes, Math.min(at, bytes.length - 1));
  }
  return rand() < 0.2 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
};
const headerEnd = 8 + Number(realSafetensors.readBigUInt64LE(0));
for (let k = 0; k < MUTANTS; k++) {
  add(
    "safetensors",
    "mutated real weights",
    mutate(realSafetensors, [
      [0, 8],
      [8, headerEnd],
      [0, realSafetensors.length],
    ]),
  );
  add(
    "pt2",
    "mutated real package",
    mutate(realPt2, [
      [realPt2.length - 4096, realPt2.length],
      [0, 4096],
      [0, realPt2.length],
    ]),
  );
}

// ---- load them all in child processes; a child that dies is restarted after the file it died on
const listPath = join(dir, "cases.json");
writeFileSync(listPath, JSON.stringify(cases));
const soCache = join(dir, "so-cache");
type Outcome = { outcome: "accepted" | "typed" | "untyped" | "crash"; code?: string; message?: string };
const outcomes: Outcome[] = [];
let children = 0;
while (outcomes.length < cases.length) {
  const from = outcomes.length;
  children++;
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repoRoot, "bench/reliability/load-hostile-child.ts"),
      listPath,
      String(from),
      realPackage,
      JSON.stringify(artifact.bucket),
      realWeights,
      soCache,
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
  let buffered = "";
  let current = from;
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  child.stdout.on("data", (d) => {
    buffered += d;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      if ("start" in line) current = line.start;
      else outcomes[line.i] = line;
    }
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((done) =>
    child.on("exit", (c, s) => done([c, s])),
  );
  if (outcomes.length < cases.length) {
    outcomes[current] = {
      outcome: "crash",
      message: `exit ${code} ${signal ?? ""} ${stderr.split("\n").slice(-3).join(" ")}`,
    };
    console.log(`CRASH on ${cases[current]!.family} ${cases[current]!.path}: ${outcomes[current]!.message}`);
  }
}

const count = (o: Outcome["outcome"], from = 0, to = cases.length) =>
  outcomes.slice(from, to).filter((x) => x.outcome === o).length;
const families = new Map<
  string,
  { n: number; accepted: number; typed: number; bad: number; codes: Set<string> }
>();
for (const [i, c] of cases.entries()) {
  const key = `${c.kind} · ${c.family}`;
  const row = families.get(key) ?? { n: 0, accepted: 0, typed: 0, bad: 0, codes: new Set<string>() };
  row.n++;
  const o = outcomes[i]!;
  if (o.outcome === "accepted") row.accepted++;
  else if (o.outcome === "typed") {
    row.typed++;
    row.codes.add(o.code!);
  } else row.bad++;
  families.set(key, row);
}
const bad = outcomes.flatMap((o, i) =>
  o.outcome === "untyped" || o.outcome === "crash" ? [`${cases[i]!.family}: ${o.outcome} ${o.message}`] : [],
);
for (const b of bad.slice(0, 20)) console.log(b);
writeDocSection(
  "hostile-files",
  `### Hostile weight and package files

\`pnpm exec tsx bench/reliability-hostile-files.ts\` (seed ${SEED}): ${handMade} hand-made hostile files (${cases.slice(0, handMade).filter((c) => c.kind === "safetensors").length} .safetensors, ${cases.slice(0, handMade).filter((c) => c.kind === "pt2").length} .pt2, built with packages/native/test/formats builders and cut from a real compiled model) and ${cases.length - handMade} seeded mutations of the real tiny-mlp weights and CPU package. Each is loaded in a child process: read, then (when the reader accepts it) bound as the weights of the real package, or opened with the real weights, by the native runtime on CPU.

| files | accepted (loaded correctly) | typed AOTIHUB_* error | bare error | crash |
| --- | --- | --- | --- | --- |
| hand-made: ${handMade} | ${count("accepted", 0, handMade)} | ${count("typed", 0, handMade)} | ${count("untyped", 0, handMade)} | ${count("crash", 0, handMade)} |
| mutations: ${cases.length - handMade} | ${count("accepted", handMade)} | ${count("typed", handMade)} | ${count("untyped", handMade)} | ${count("crash", handMade)} |

| family | files | accepted | typed | bare or crash | codes |
| --- | --- | --- | --- | --- | --- |
${[...families].map(([k, r]) => `| ${k} | ${r.n} | ${r.accepted} | ${r.typed} | ${r.bad} | ${[...r.codes].sort().join(", ")} |`).join("\n")}

Child processes used: ${children} (one more per crash). Machine: ${machineLine()}.`,
);
rmSync(dir, { recursive: true, force: true });
if (bad.length > 0) process.exitCode = 1;

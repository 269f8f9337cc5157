// Issue 14 goal 6: what stays after each load/run/dispose cycle. Runs the cycle of
// bench/gpu/cuda-cycles.bench.ts and, every `every` cycles after a full GC, records RSS, the
// process's mappings grouped by what they are (/proc/self/smaps: model and torch libraries, malloc
// arena heaps, thread stacks, other anonymous memory), glibc's malloc totals (all arenas), the
// thread count and V8's figures; then prints which groups grew between the first and the last sample.
// A leak keeps growing; malloc fragmentation and warm-up plateau, and `trim` (malloc_trim at each
// sample) tells freed-but-kept heap from memory in use.
//   node cycle-probe.mjs <label> <out.json> <device> <cycles> <every> <run|norun> <weights> <pt2>[@bucket]...
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { findTorch, loadPackages, type PackageSpec } from "@aotihub/native";
import { binding, type NativeMallocStats } from "../../../packages/native/lib/binding.js";
import { settleHeap } from "../../../test/gpu/cuda-cycles.js";
import { readTensors } from "../../../test/support/bucket-io.js";

const [label, outFile, device, cyclesArg, everyArg, kind, weights, ...pt2s] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  ...string[],
];
const cycles = Number(cyclesArg);
const every = Number(everyArg);
const trim = process.env.RSS_PROBE_TRIM === "1";
const KiB = 1024;

/** Each malloc arena's size from the system and what of it is free, KiB (from malloc_info). */
function arenaSizes(xml: string | undefined): { system: number; free: number }[] {
  const out: { system: number; free: number }[] = [];
  for (const m of (xml ?? "").matchAll(/<heap nr="\d+">([\s\S]*?)<\/heap>/g)) {
    const system = Number(/<system type="current" size="(\d+)"/.exec(m[1]!)?.[1] ?? 0);
    const free = [...m[1]!.matchAll(/<total type="(?:fast|rest)" count="\d+" size="(\d+)"/g)].reduce(
      (sum, t) => sum + Number(t[1]),
      0,
    );
    out.push({ system: Math.round(system / 1024), free: Math.round(free / 1024) });
  }
  return out;
}
const native = binding();
// With test/support/malloc-trace.c (built as malloc-trace.so) preloaded: where to write the allocations still live at the end.
const traceOut = process.env.RSS_PROBE_TRACE;

// "path@b2:2x8" or "path" (bucket b2 with x [2, 8], the fixtures' tiny model).
const packages: PackageSpec[] = pt2s.map((arg) => {
  const [path, bucketArg] = arg.split("@") as [string, string | undefined];
  const [name, dims] = (bucketArg ?? "b2:2x8").split(":") as [string, string];
  return { path, bucket: { name, inputs: { x: dims.split("x").map(Number) } } };
});
const ioFile = process.env.RSS_PROBE_IO;
const io = ioFile ? await readTensors(ioFile) : undefined;
const torch = await findTorch({ pythons: [process.env.AOTIHUB_PYTHON ?? "python3"] });
const cacheDir = process.env.RSS_PROBE_SO_CACHE ?? "/tmp/aotihub-rss-so";

async function cycle(): Promise<void> {
  const m = await loadPackages({ packages, weights: [weights], device, torchDir: torch.dir, cacheDir });
  if (kind === "run" && io) await m.run({ x: (io.x ?? io["input.x"])! });
  m.dispose();
}

/** Rss (KiB) and count of the process's mappings, grouped. */
function mappingGroups(): Record<string, { kib: number; n: number }> {
  const groups: Record<string, { kib: number; n: number }> = {};
  let key = "";
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const start = BigInt(`0x${head[1]}`);
      const size = Number(BigInt(`0x${head[2]}`) - start);
      const perms = head[3]!;
      const path = head[4]!;
      if (path.startsWith("/"))
        key = `file ${basename(path.replace(/ \(deleted\)$/, ""))}${path.endsWith("(deleted)") ? " (deleted)" : ""}`;
      else if (path) key = path;
      else if (perms === "---p") key = "anon ---p (guards, arena reserve)";
      // glibc's non-main arena heaps start 64 MiB aligned; thread stacks are 8 MiB by default.
      else if (start % BigInt(64 << 20) === 0n) key = "anon arena heap";
      else if (size === 8 << 20 || size === (8 << 20) + 4096) key = "anon 8 MiB (thread stacks)";
      else key = "anon other";
      groups[key] ??= { kib: 0, n: 0 };
      groups[key]!.n++;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && key) groups[key]!.kib += Number(rss[1]);
  }
  return groups;
}

function threads(): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
}

async function settle(): Promise<void> {
  await settleHeap();
  if (trim) native.mallocTrim();
}

/** Anonymous mappings (start -> "size KiB rss KiB perms") not classified as arena heaps or stacks. */
function otherAnon(): Map<string, string> {
  const out = new Map<string, string>();
  let current: { start: string; size: number; perms: string } | undefined;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const size = Number(BigInt(`0x${head[2]}`) - BigInt(`0x${head[1]}`));
      current = head[4] === "" && head[3] !== "---p" ? { start: head[1]!, size, perms: head[3]! } : undefined;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current)
      out.set(current.start, `${current.size >> 10} KiB, rss ${rss[1]} KiB, ${current.perms}`);
  }
  return out;
}

interface Sample {
  cycle: number;
  rssKiB: number;
  threads: number;
  malloc?: NativeMallocStats;
  arenas: { system: number; free: number }[];
  v8: { heapUsed: number; external: number; arrayBuffers: number };
  groups: Record<string, { kib: number; n: number }>;
}

async function sample(at: number): Promise<Sample> {
  await settle();
  const mem = process.memoryUsage();
  const s: Sample = {
    cycle: at,
    rssKiB: Math.round(mem.rss / KiB),
    threads: threads(),
    malloc: native.mallocStats(true),
    arenas: [],
    v8: {
      heapUsed: Math.round(mem.heapUsed / KiB),
      external: Math.round(mem.external / KiB),
      arrayBuffers: Math.round(mem.arrayBuffers / KiB),
    },
    groups: mappingGroups(),
  };
  s.arenas = arenaSizes(s.malloc?.xml);
  if (s.malloc) delete s.malloc.xml;
  const m = s.malloc;
  process.stdout.write(
    `[${label}] cycle ${at}: RSS ${(s.rssKiB / 1024).toFixed(1)} MiB, threads ${s.threads}` +
      (m
        ? `, malloc in use ${(m.inUseBytes / 1048576).toFixed(2)} MiB free ${(m.freeBytes / 1048576).toFixed(2)} MiB mmap ${(m.mmapBytes / 1048576).toFixed(1)} MiB arenas ${m.arenas}`
        : "") +
      `, v8 heap ${(s.v8.heapUsed / 1024).toFixed(1)} ext ${(s.v8.external / 1024).toFixed(1)} MiB\n`,
  );
  return s;
}

/** Groups whose Rss or count changed between two samples, largest change first. */
function grew(a: Sample, b: Sample): string[] {
  const keys = new Set([...Object.keys(a.groups), ...Object.keys(b.groups)]);
  return [...keys]
    .map((k) => ({
      k,
      dk: (b.groups[k]?.kib ?? 0) - (a.groups[k]?.kib ?? 0),
      dn: (b.groups[k]?.n ?? 0) - (a.groups[k]?.n ?? 0),
    }))
    .filter((g) => Math.abs(g.dk) >= 64 || g.dn !== 0)
    .sort((x, y) => Math.abs(y.dk) - Math.abs(x.dk))
    .map((g) => `${g.k}: ${g.dk >= 0 ? "+" : ""}${g.dk} KiB, ${g.dn >= 0 ? "+" : ""}${g.dn} mappings`);
}

const warm = Number(process.env.RSS_PROBE_WARM ?? 10);
for (let i = 0; i < warm; i++) await cycle();
const samples: Sample[] = [await sample(0)];
const anonBefore = otherAnon();
if (traceOut)
  process.stdout.write(
    `[${label}] malloc trace ${native.mallocTraceMark() ? "recording" : "not preloaded"}\n`,
  );
const started = performance.now();
for (let i = 1; i <= cycles; i++) {
  await cycle();
  if (i % every === 0) samples.push(await sample(i));
}
const cycleMs = (performance.now() - started) / cycles;
const anonAfter = otherAnon();
if (traceOut) {
  await settle();
  const groups = native.mallocTraceDump(traceOut, 40);
  const text = groups >= 0 ? readFileSync(traceOut, "utf8").split("\n").slice(0, 9) : ["not preloaded"];
  process.stdout.write(text.map((l) => `[${label}] trace ${l.slice(0, 600)}\n`).join(""));
}
const newAnon = [...anonAfter]
  .filter(([start]) => !anonBefore.has(start))
  .map(([start, what]) => `${start} ${what}`);
process.stdout.write(
  `[${label}] ${newAnon.length} anonymous mappings new since cycle 0 (first 12): ${newAnon.slice(0, 12).join("; ")}\n`,
);
const first = samples[0]!;
const last = samples[samples.length - 1]!;
const perCycle = (last.rssKiB - first.rssKiB) / (last.cycle - first.cycle);
// A sample is noisy upwards (buffers V8 frees lazily): the floors of the first and last halves, and
// the least-squares slope over all samples, say more than first-to-last.
const half = Math.max(1, Math.floor(samples.length / 2));
const firstFloor = Math.min(...samples.slice(0, half).map((x) => x.rssKiB));
const lastFloor = Math.min(...samples.slice(-half).map((x) => x.rssKiB));
const meanX = samples.reduce((a, x) => a + x.cycle, 0) / samples.length;
const meanY = samples.reduce((a, x) => a + x.rssKiB, 0) / samples.length;
const slope =
  samples.reduce((a, x) => a + (x.cycle - meanX) * (x.rssKiB - meanY), 0) /
  Math.max(
    1,
    samples.reduce((a, x) => a + (x.cycle - meanX) ** 2, 0),
  );
const lines = grew(first, last);
// Arenas whose size from the system changed, with how much of each is free at the end.
last.arenas.forEach((a, i) => {
  const before = first.arenas[i];
  if (before === undefined || Math.abs(a.system - before.system) >= 256)
    lines.push(
      `malloc arena ${i}: ${before?.system ?? 0} -> ${a.system} KiB from the system, ${a.free} KiB of it free`,
    );
});
const mallocDelta =
  first.malloc && last.malloc ? (last.malloc.inUseBytes - first.malloc.inUseBytes) / KiB : undefined;
process.stdout.write(
  `[${label}] ${kind} ${cycles} cycles (${cycleMs.toFixed(1)} ms each${trim ? ", malloc_trim at samples" : ""}): RSS ${first.rssKiB} -> ${last.rssKiB} KiB (${perCycle.toFixed(1)} KiB a cycle; floors of the halves ${firstFloor} -> ${lastFloor} KiB; slope ${slope.toFixed(1)} KiB a cycle)` +
    (mallocDelta !== undefined
      ? `, malloc in use ${mallocDelta >= 0 ? "+" : ""}${mallocDelta.toFixed(0)} KiB`
      : "") +
    `, v8 heap ${last.v8.heapUsed - first.v8.heapUsed >= 0 ? "+" : ""}${last.v8.heapUsed - first.v8.heapUsed} KiB, threads ${first.threads} -> ${last.threads}\n` +
    lines.map((l) => `[${label}]   ${l}\n`).join(""),
);
writeFileSync(
  outFile,
  `${JSON.stringify({ label, kind, device, cycles, cycleMs, perCycleKiB: perCycle, firstFloor, lastFloor, slopeKiBPerCycle: slope, grew: lines, newAnon, samples }, null, 1)}\n`,
);
process.exit(0);

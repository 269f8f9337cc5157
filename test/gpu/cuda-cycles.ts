import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { binding } from "../../packages/native/lib/binding.js";

/**
 * Load/run/dispose cycles of a CUDA model, with RSS sampled the way the CPU lifecycle test does
 * (packages/native/test/runtime/lifecycle.test.ts): after a full GC, every `sampleEvery` cycles.
 * A sample is noisy only upwards (output buffers V8 frees lazily, malloc arenas); a leak lifts the
 * floor. So the growth is the lowest sample of the last window minus the lowest of the first.
 */
export interface CycleFigures {
  cycles: number;
  cycleMs: number;
  samplesMiB: number[];
  firstFloorMiB: number;
  lastFloorMiB: number;
  floorGrowthKiBPerCycle: number;
  deviceGrowthMiB: number;
  /** Files under `mapsUnder` mapped into the process after the warm-up and after the last cycle. */
  mappedFilesBefore: number;
  mappedFilesAfter: number;
  /**
   * glibc's malloc, first sample to last (190 cycles): bytes in use (a leak of ours or torch's grows
   * it; judged) and free bytes it keeps (each thread's arena grows to its trim threshold, then stays:
   * docs/benchmarks.md, "What stays after a load/run/dispose cycle"; reported only). An addon older
   * than these figures reports 0.
   */
  mallocInUseGrowthKiB: number;
  mallocFreeGrowthKiB: number;
}

const MiB = 1024 * 1024;

/**
 * The gpu suite's lifecycle check (test/gpu/gpu-suite.ts), also run by bench/gpu/cuda-cycles.bench.ts
 * against an older build to watch it go red. RSS still climbs for ~150 cycles after the first (an
 * H200 run: +14 MiB, then flat), hence the warm-up. 160 cycles lie between the two windows of 4 samples;
 * torch < 2.12 models left their kernels' CUDA modules behind: RSS +35-65 KiB a cycle in earlier
 * suite runs, +120 KiB and 2.6 MiB of device memory a cycle in the benchmark's (docs/benchmarks.md,
 * "Memory"), 5.6-19 MiB over these cycles; the CPU build's floor drifts by up to ~22 KiB a cycle
 * (3.4 MiB over these cycles on the 2-core machine), so the RSS floor may rise by less than
 * RSS_FLOOR_BOUND_MIB (38 KiB a cycle) and device memory by less than DEVICE_BOUND_MIB.
 * malloc in use: an H200 (slots 1 and 1b, bench/gpu/rss) grew it by ~145 KiB a cycle, 27 MiB over
 * these cycles, as the two model libraries were reloaded at every load and each left its libstdc++
 * pool (2 x 72 KiB); with the pool freed at each reload it grew 0.3 KiB a cycle over 600 cycles
 * (slot 1b), and the libraries now stay loaded between loads (src/runtime/model-library.h). So it may
 * grow by less than MALLOC_IN_USE_BOUND_MIB (~21 KiB a cycle; one pool left behind per cycle: 13 MiB).
 */
// warm: 150. RSS keeps climbing past cycle 60 while malloc's arenas and the driver's own pools fill
// (slot 2a, 2026-12-01, bench/gpu/rss over 500 cycles: +14 MiB by cycle ~150-250, then +1.0 MiB over
// the last 250; malloc in use +0.2 MiB in all); with 60 the first window sat on that slope and the
// floor rose 10 MiB in one suite run (slot 2c) and under 6 in the others, with malloc in use flat.
export const CUDA_CYCLES = { warm: 150, cycles: 200, sampleEvery: 10, window: 4 };
export const RSS_FLOOR_BOUND_MIB = 6;
export const DEVICE_BOUND_MIB = 8;
export const MALLOC_IN_USE_BOUND_MIB = 4;

export function cyclesVerdict(c: CycleFigures): { ok: boolean; detail: string } {
  const rise = c.lastFloorMiB - c.firstFloorMiB;
  return {
    ok:
      rise < RSS_FLOOR_BOUND_MIB &&
      c.mallocInUseGrowthKiB < MALLOC_IN_USE_BOUND_MIB * 1024 &&
      c.deviceGrowthMiB < DEVICE_BOUND_MIB &&
      c.mappedFilesAfter === c.mappedFilesBefore,
    detail: `RSS floor ${c.firstFloorMiB} -> ${c.lastFloorMiB} MiB (bound +${RSS_FLOOR_BOUND_MIB}; ${c.floorGrowthKiBPerCycle} KiB a cycle; samples ${c.samplesMiB.join(" ")}), malloc in use ${signed(c.mallocInUseGrowthKiB)} KiB (bound ${MALLOC_IN_USE_BOUND_MIB * 1024}) and free ${signed(c.mallocFreeGrowthKiB)} KiB, device +${c.deviceGrowthMiB} MiB (bound ${DEVICE_BOUND_MIB}), model files mapped ${c.mappedFilesBefore} -> ${c.mappedFilesAfter}, ${c.cycleMs} ms a cycle`,
  };
}

export async function measureCudaCycles(
  cycle: () => Promise<void>,
  deviceFree: () => number,
  options: { warm: number; cycles: number; sampleEvery: number; window: number; mapsUnder: string[] },
): Promise<CycleFigures> {
  for (let i = 0; i < options.warm; i++) await cycle();
  const device = deviceFree();
  const mappedFilesBefore = mappedFiles(options.mapsUnder);
  const samples: number[] = [];
  let mallocFirst: { inUseBytes: number; freeBytes: number } | undefined;
  const started = performance.now();
  for (let i = 1; i <= options.cycles; i++) {
    await cycle();
    if (i % options.sampleEvery === 0) {
      samples.push(await settledRss());
      mallocFirst ??= mallocStats();
    }
  }
  const mallocLast = mallocStats();
  const cycleMs = (performance.now() - started) / options.cycles;
  const firstFloor = Math.min(...samples.slice(0, options.window));
  const lastFloor = Math.min(...samples.slice(-options.window));
  // Cycles between the middles of the two windows.
  const between = (samples.length - options.window) * options.sampleEvery;
  return {
    cycles: options.cycles,
    cycleMs: Number(cycleMs.toFixed(2)),
    samplesMiB: samples.map((s) => Number((s / MiB).toFixed(1))),
    firstFloorMiB: Number((firstFloor / MiB).toFixed(2)),
    lastFloorMiB: Number((lastFloor / MiB).toFixed(2)),
    floorGrowthKiBPerCycle: Number(((lastFloor - firstFloor) / 1024 / between).toFixed(2)),
    deviceGrowthMiB: Number(((device - deviceFree()) / MiB).toFixed(1)),
    mappedFilesBefore,
    mappedFilesAfter: mappedFiles(options.mapsUnder),
    mallocInUseGrowthKiB:
      Math.round(((mallocLast.inUseBytes - (mallocFirst?.inUseBytes ?? 0)) / 1024) * 10) / 10,
    mallocFreeGrowthKiB:
      Math.round(((mallocLast.freeBytes - (mallocFirst?.freeBytes ?? 0)) / 1024) * 10) / 10,
  };
}

/** An addon older than the malloc figures (bench/gpu/pack.sh's "old" build) reports zeros. */
function mallocStats(): { inUseBytes: number; freeBytes: number } {
  const native = binding();
  return typeof native.mallocStats === "function" ? native.mallocStats() : { inUseBytes: 0, freeBytes: 0 };
}

function signed(n: number): string {
  return `${n >= 0 ? "+" : ""}${n}`;
}

/** Distinct files under these folders mapped into this process (model libraries, weights). */
function mappedFiles(under: string[]): number {
  const files = new Set(
    readFileSync("/proc/self/maps", "utf8")
      .split("\n")
      .map((line) => line.split(/\s+/).slice(5).join(" "))
      .filter((file) => under.some((dir) => file.startsWith(dir))),
  );
  return files.size;
}

/** A full GC and a few turns of the event loop, so V8 can release freed buffers. */
export async function settleHeap(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function settledRss(): Promise<number> {
  await settleHeap();
  return process.memoryUsage().rss;
}

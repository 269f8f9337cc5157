import type { NativeCudaPrewarmTimes, NativeEarlyContextTimes } from "../binding.js";

/**
 * When each stage of a load ended, in ms since this process started (performance.now()'s origin),
 * so that a cold start reads as one timeline from `node` to the first output. Native steps report
 * steady-clock stamps (CLOCK_MONOTONIC, the clock of process.hrtime) that are moved onto it here.
 * Counts (e.g. libcudart copies) sit in the same table under their own names.
 */
export class LoadStages {
  readonly table: Record<string, number> = {};
  // performance.now() = monotonic ms - this offset (both clocks tick together; measured once)
  readonly #offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();

  constructor() {
    this.mark("load start");
  }

  mark(stage: string): void {
    this.table[stage] = round(performance.now());
  }

  /** A native steady-clock stamp; 0 or absent (an older addon, a step not run) leaves it out. */
  native(stage: string, monotonicMs: number | undefined): void {
    if (monotonicMs !== undefined && monotonicMs > 0) this.table[stage] = round(monotonicMs - this.#offset);
  }

  count(name: string, value: number): void {
    this.table[name] = round(value);
  }

  prewarm(t: NativeCudaPrewarmTimes): void {
    this.native("cuda prewarm start", t.start);
    this.native("cuda runtime ready", t.cudartLoaded);
    this.native("cuda driver initialized", t.driverReady);
    this.native("cuda context ready", t.contextReady);
    this.native("upload staging pinned", t.stagingPinned);
    this.native("cuda runtime initialized", t.runtimeInitialized);
    this.native("cublasLt ready", t.cublasLtReady);
    this.native("cublas ready", t.cublasReady);
    if (t.start > 0) this.count("cuda prewarm: join wait, ms", t.joinWaitMs);
    if (t.error !== "") this.table[`cuda prewarm failed: ${t.error}`] = 0;
  }

  /** The driver's start at process start (`--import @aotihub/loader/cuda-early`), where it ran. */
  earlyContext(t: NativeEarlyContextTimes | undefined): void {
    if (t === undefined || !t.started) return;
    this.native("early driver start", t.start);
    this.native("early driver initialized", t.initDone);
    this.native("early context ready", t.ready);
    this.native("early staging pinned", t.slotsPinned);
    if (t.error !== "") this.table[`early driver start failed: ${t.error}`] = 0;
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

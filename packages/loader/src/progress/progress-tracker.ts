import type { ProgressListener } from "./progress-event.js";

/**
 * Turns byte counts into throttled progress events with an exponentially smoothed rate, so a
 * listener (a bar, a log line) sees a steady ETA rather than every 64 KiB packet.
 */
export class ProgressTracker {
  #bytes = 0;
  #rate = 0;
  #lastEmit = 0;
  #lastSample = { time: 0, bytes: 0 };

  constructor(
    readonly file: string,
    readonly total: number,
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs = 100,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  /** Counts bytes already on disk (a resumed download) without pretending they came fast. */
  skip(bytes: number): void {
    this.#bytes += bytes;
    this.#lastSample.bytes += bytes;
  }

  add(bytes: number): void {
    this.#bytes += bytes;
    const now = performance.now();
    if (this.#lastSample.time === 0) this.#lastSample = { time: now, bytes: this.#bytes - bytes };
    const elapsed = now - this.#lastSample.time;
    if (elapsed >= 250) {
      const instant = ((this.#bytes - this.#lastSample.bytes) * 1000) / elapsed;
      this.#rate = this.#rate === 0 ? instant : 0.7 * this.#rate + 0.3 * instant;
      this.#lastSample = { time: now, bytes: this.#bytes };
    }
    if (now - this.#lastEmit >= this.intervalMs) {
      this.#lastEmit = now;
      this.#emit(false);
    }
  }

  finish(): void {
    this.#emit(true);
  }

  #emit(done: boolean): void {
    if (this.listener === undefined) return;
    const left = Math.max(0, this.total - this.#bytes);
    this.listener({
      file: this.file,
      bytes: this.#bytes,
      total: this.total,
      rate: this.#rate,
      etaSeconds: done ? 0 : this.#rate > 0 ? left / this.#rate : undefined,
      done,
    });
  }
}

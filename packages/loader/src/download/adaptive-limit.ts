/**
 * Concurrency of ranged GETs, additive increase while aggregate throughput keeps improving,
 * halved on trouble (errors, throttling): one CDN connection gives ~50 MB/s, but too many collapse
 * under CDN throttling (huggingface_hub #4893: 16 collapsed, 4 did not), so probe upwards from 8
 * instead of opening a fixed 16. Not from 4: with 8 MiB chunks at 40 MB/s per connection a window
 * lasts ~0.2 s, so climbing 4 -> 8 one step per window spent a third of a 256 MiB download below 8.
 */
export class AdaptiveLimit {
  #current: number;
  #best = 0;
  #windowStart = performance.now();
  #windowBytes = 0;
  #windowChunks = 0;

  constructor(
    readonly max: number,
    initial = Math.min(8, max),
  ) {
    this.#current = Math.max(1, Math.min(initial, max));
  }

  get current(): number {
    return this.#current;
  }

  chunkDone(bytes: number): void {
    this.#windowBytes += bytes;
    this.#windowChunks++;
    if (this.#windowChunks < this.#current) return;
    const seconds = (performance.now() - this.#windowStart) / 1000;
    const throughput = this.#windowBytes / Math.max(seconds, 1e-3);
    if (throughput > this.#best * 1.1) {
      this.#best = throughput;
      this.#current = Math.min(this.max, this.#current + 1);
    }
    this.#windowStart = performance.now();
    this.#windowBytes = 0;
    this.#windowChunks = 0;
  }

  trouble(): void {
    this.#current = Math.max(1, Math.floor(this.#current / 2));
    this.#best = 0;
  }
}

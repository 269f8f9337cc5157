/**
 * The CDN connections one snapshot may hold at once, shared by all its files. A file alone may
 * open `maxConcurrency` ranged GETs; without a shared budget a snapshot of 4 large files held 4 x 8
 * = 32, past the point where CDN throttling collapses throughput (huggingface_hub #4893: 16 did,
 * 4 did not), and on a small machine 32 streams only add overhead. With one budget the first files
 * take every connection and later files take them over as chunks finish.
 */
export class ConnectionBudget {
  #free: number;
  readonly #waiting = new Set<() => void>();

  constructor(readonly size: number) {
    this.#free = Math.max(1, size);
  }

  /** Takes a connection if one is free. */
  tryTake(): boolean {
    if (this.#free === 0) return false;
    this.#free--;
    return true;
  }

  /** Gives a connection back and wakes every waiting download (each tries to take it). */
  give(): void {
    this.#free++;
    for (const wake of [...this.#waiting]) wake();
  }

  /** Calls `wake` whenever a connection is given back, until the returned function is called. */
  onGiven(wake: () => void): () => void {
    this.#waiting.add(wake);
    return () => this.#waiting.delete(wake);
  }
}

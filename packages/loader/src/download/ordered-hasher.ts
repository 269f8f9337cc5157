interface ChunkSlot {
  buffers: Buffer[];
  complete: boolean;
  /** Finished by an earlier process: its bytes are only on disk, read when the cursor reaches it. */
  onDisk: boolean;
}

/**
 * Feeds a hash in file order while chunks arrive out of order. The chunk at the cursor is hashed
 * as it streams; chunks ahead of it are held in memory until the cursor reaches them (the
 * scheduler bounds how far ahead a download may run, which bounds that memory).
 */
export class OrderedHasher {
  #cursor = 0;
  readonly #slots: ChunkSlot[];

  constructor(
    count: number,
    private readonly update: (bytes: Buffer) => void,
    private readonly readFromDisk: (index: number) => Buffer,
    private readonly onAdvance: () => void = () => {},
  ) {
    this.#slots = Array.from({ length: count }, () => ({ buffers: [], complete: false, onDisk: false }));
  }

  /** Index of the first chunk not yet fully hashed. */
  get cursor(): number {
    return this.#cursor;
  }

  get done(): boolean {
    return this.#cursor >= this.#slots.length;
  }

  markOnDisk(index: number): void {
    const slot = this.#slots[index]!;
    slot.onDisk = true;
    slot.complete = true;
  }

  offer(index: number, bytes: Buffer): void {
    if (index === this.#cursor) this.update(bytes);
    else this.#slots[index]!.buffers.push(bytes);
  }

  complete(index: number): void {
    this.#slots[index]!.complete = true;
    if (index === this.#cursor) this.settle();
  }

  /** Advances the cursor over every finished chunk, hashing what it passes. */
  settle(): void {
    const before = this.#cursor;
    for (;;) {
      const slot = this.#slots[this.#cursor];
      if (slot === undefined) break;
      if (slot.onDisk) {
        this.update(this.readFromDisk(this.#cursor));
        this.#cursor++;
        continue;
      }
      for (const bytes of slot.buffers) this.update(bytes);
      slot.buffers = [];
      if (!slot.complete) break;
      this.#cursor++;
    }
    if (this.#cursor !== before) this.onAdvance();
  }
}

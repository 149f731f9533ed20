// Group commit: many writes, one fsync. A writer counts what it appended (`wrote`); whoever must
// not go on before that is on disk asks for a `barrier`. One fsync runs at a time and covers every
// write queued before it started, so the writes that arrive during an fsync share the next one:
// under load the fsync rate stays at the disk's rate while every ack still waits for its own data.
export interface GroupSyncStats {
  /** fsyncs completed. */
  syncs: number;
  /** Barriers answered (acks that waited for the disk). */
  waits: number;
  /** Writes made durable (counted by `wrote`). */
  synced: number;
}

interface Waiter {
  target: number;
  resolve(): void;
  reject(e: unknown): void;
}

export class GroupSync {
  private written = 0;
  private synced = 0;
  private running = false;
  private readonly waiters: Waiter[] = [];
  readonly stats: GroupSyncStats = { syncs: 0, waits: 0, synced: 0 };

  /** `sync` makes everything written before the call durable (AppendFile.sync queues behind the writes). */
  constructor(private readonly sync: () => Promise<void>) {}

  /** One more write was queued. */
  wrote(): void {
    this.written++;
  }

  /** True while some write is not known to be on disk. */
  get dirty(): boolean {
    return this.synced < this.written;
  }

  /**
   * Resolves once every write counted so far is durable; undefined when it already is (the common
   * read-only case then costs nothing). Rejects if the fsync fails: the data is not known durable.
   */
  barrier(): Promise<void> | undefined {
    if (!this.dirty) return undefined;
    const target = this.written;
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
    this.stats.waits++;
    if (!this.running) void this.loop();
    return p;
  }

  /** An fsync now if anything is dirty (idle flush, close); resolves when done. */
  flush(): Promise<void> {
    return this.barrier() ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.length) {
        const target = this.written;
        try {
          await this.sync();
        } catch (e) {
          // every waiter so far is told: their data may not be on disk
          for (const w of this.waiters.splice(0)) w.reject(e);
          return;
        }
        this.stats.syncs++;
        this.stats.synced += target - this.synced;
        this.synced = target;
        let i = 0;
        while (i < this.waiters.length && this.waiters[i]!.target <= target) i++;
        for (const w of this.waiters.splice(0, i)) w.resolve();
      }
    } finally {
      this.running = false;
    }
  }
}

// DistKV's per-stream flow control (util `DelayedWrite` / `DelayedRead`): every streamed message
// carries `wseq` 1, 2, ...; the reader acks with `{seq, state: "ack", ack: n}` once it has read
// more than qlen/3 messages since its last ack; the writer holds message n until n - acked < qlen.
// So a slow reader holds back at most qlen - 1 unacknowledged messages per stream.

/** The sending half: hands out wseq numbers, waiting while the window is full. */
export class SendWindow {
  private sent = 0;
  private acked = 0;
  private waiters: (() => void)[] = [];
  private closedErr: Error | undefined;

  constructor(readonly qlen: number) {}

  /** Unacknowledged messages (including one waiting for room). */
  get outstanding(): number {
    return this.sent - this.acked;
  }

  /**
   * The next wseq. Like python's DelayedWrite the number is taken first; the promise resolves
   * once it may be sent (at once while fewer than qlen are unacknowledged).
   */
  async next(): Promise<number> {
    const n = ++this.sent;
    while (this.closedErr === undefined && n - this.acked >= this.qlen) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.closedErr) throw this.closedErr;
    return n;
  }

  /** The next wseq if it may be sent right now, else undefined (nothing is taken). */
  tryTake(): number | undefined {
    if (this.closedErr || this.waiters.length || this.sent + 1 - this.acked >= this.qlen) return undefined;
    return ++this.sent;
  }

  /** The next wseq without waiting (a stream's final `end`/error, which python sends regardless). */
  take(): number {
    return ++this.sent;
  }

  /** An ack from the reader (never moves backwards; nonsense is ignored). */
  ack(n: unknown): void {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= this.acked) return;
    this.acked = Math.min(n, this.sent);
    this.wake();
  }

  /** Fails every waiter (the stream was stopped or the connection died). */
  close(err: Error): void {
    this.closedErr ??= err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** The reading half: tells when to ack (python DelayedRead._did_read). */
export class AckTracker {
  private last = 0;
  private acked = 0;
  private readonly every: number;

  constructor(qlen: number) {
    this.every = Math.floor(qlen / 3);
  }

  /** Records a read message's wseq; returns the number to ack now, if any. */
  read(wseq: unknown): number | undefined {
    if (typeof wseq === 'number' && wseq > this.last) this.last = wseq;
    if (this.last - this.acked > this.every) {
      this.acked = this.last;
      return this.last;
    }
    return undefined;
  }
}

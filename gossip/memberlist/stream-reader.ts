// Pull-style reading from a push-style Stream: buffers what arrives and lets protocol code
// await "n bytes" or "one complete value" with a deadline on the runtime Clock. Memberlist's
// stream messages (push-pull, TCP ping, user messages) carry no outer length unless encrypted,
// so values are parsed incrementally as bytes arrive.
import type { Clock, Millis, Stream, Timer } from '../runtime.js';
import { TransportError } from '../runtime.js';

/** Parses one value from the front of `buf`: null while incomplete; throws DecodeError on garbage. */
export type IncrementalParser<T> = (buf: Uint8Array) => { value: T; consumed: number } | null;

export class StreamReader {
  private buf = new Uint8Array(0);
  private waiter: (() => void) | undefined;
  private closedErr: TransportError | undefined;
  private ended = false;

  constructor(
    readonly stream: Stream,
    private readonly clock: Clock,
    /** Called once when the stream closes (Stream allows only one close handler: this is it). */
    private readonly onClosed?: (err?: TransportError) => void,
    /** Hard cap on buffered bytes (memberlist refuses states above 20 MiB). */
    private readonly maxBuffered = 20 * 1024 * 1024 + 1024,
  ) {
    stream.onData((bytes) => {
      const next = new Uint8Array(this.buf.length + bytes.length);
      next.set(this.buf, 0);
      next.set(bytes, this.buf.length);
      this.buf = next;
      if (this.buf.length > this.maxBuffered) {
        this.closedErr = new TransportError('io', 'stream message too large');
        stream.destroy(this.closedErr);
      }
      this.wake();
    });
    stream.onClose((err) => {
      this.ended = true;
      this.closedErr ??= err;
      this.wake();
      this.onClosed?.(err);
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Resolves with a value once `parser` succeeds; rejects on timeout, close before completion or parse error. */
  async read<T>(parser: IncrementalParser<T>, deadline: Millis): Promise<T> {
    for (;;) {
      if (this.buf.length > 0) {
        const res = parser(this.buf);
        if (res) {
          this.buf = this.buf.subarray(res.consumed);
          return res.value;
        }
      }
      if (this.closedErr) throw this.closedErr;
      if (this.ended) throw new TransportError('closed', 'stream ended before the message was complete');
      await this.waitForData(deadline);
    }
  }

  /** Exactly n bytes. */
  readBytes(n: number, deadline: Millis): Promise<Uint8Array> {
    return this.read((b) => (b.length >= n ? { value: b.slice(0, n), consumed: n } : null), deadline);
  }

  /** Whatever is buffered (consumes it). */
  takeBuffered(): Uint8Array {
    const b = this.buf;
    this.buf = new Uint8Array(0);
    return b;
  }

  private waitForData(deadline: Millis): Promise<void> {
    const ms = deadline - this.clock.now();
    if (ms <= 0) return Promise.reject(new TransportError('timeout', 'stream read timed out'));
    return new Promise((resolve, reject) => {
      let timer: Timer | undefined = undefined;
      this.waiter = () => {
        timer?.cancel();
        resolve();
      };
      timer = this.clock.setTimer(ms, () => {
        this.waiter = undefined;
        reject(new TransportError('timeout', 'stream read timed out'));
      });
    });
  }
}

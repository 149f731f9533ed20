// Splits an RPC byte stream into msgpack values. The protocol has no length prefixes: a reader
// must decode one value to know where the next starts, and whether a body follows a header
// depends on the command, so the connection pulls values one at a time (as Go's decoder does).
import { DecodeError } from '../../gossip/decode-error.js';
import { tryDecode, type GoValue } from '../../gossip/msgpack-go.js';

/** A value bigger than this (a client that never finishes one) is refused. */
const NEED = Symbol('need more bytes');

export const MAX_VALUE_BYTES = 4 * 1024 * 1024;

export class ValueReader {
  private buf = new Uint8Array(0);
  private pos = 0;
  private waiter: ((v: GoValue | DecodeError | undefined) => void) | null = null;
  private failure: DecodeError | null = null;
  private ended = false;

  constructor(private readonly maxBytes = MAX_VALUE_BYTES) {}

  /** Adds received bytes; wakes a pending next(). */
  push(bytes: Uint8Array): void {
    if (this.failure || this.ended) return;
    const rest = this.buf.length - this.pos;
    const nb = new Uint8Array(rest + bytes.length);
    nb.set(this.buf.subarray(this.pos), 0);
    nb.set(bytes, rest);
    this.buf = nb;
    this.pos = 0;
    this.wake();
  }

  /** No more bytes will come: a pending next() gets undefined. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The next complete value, or undefined at the end of the stream; rejects with DecodeError on garbage. */
  next(): Promise<GoValue | undefined> {
    const v = this.take();
    if (v !== NEED) return v instanceof DecodeError ? Promise.reject(v) : Promise.resolve(v);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.waiter = (x) => (x instanceof DecodeError ? reject(x) : resolve(x));
    });
  }

  /** A decoded value, a DecodeError, or NEED when more bytes are needed. */
  private take(): GoValue | DecodeError | typeof NEED {
    if (this.failure) return this.failure;
    try {
      const r = tryDecode(this.buf, this.pos, { what: 'rpc message' });
      if (r === null) {
        if (this.buf.length - this.pos > this.maxBytes) throw new DecodeError(`message over ${this.maxBytes} bytes`, this.pos, 'rpc message');
        return NEED;
      }
      this.pos = r.end;
      return r.value;
    } catch (e) {
      this.failure = e instanceof DecodeError ? e : new DecodeError(String(e), this.pos, 'rpc message');
      return this.failure;
    }
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    const v = this.take();
    if (v === NEED && !this.ended) return;
    this.waiter = null;
    w(v === NEED ? undefined : (v as GoValue));
  }
}

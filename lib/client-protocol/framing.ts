// One client-protocol byte stream as messages: incoming bytes are split into concatenated msgpack
// values (no length prefix, as DistKV), outgoing messages are packed and written. Memory stays
// bounded on both sides: an oversized or undecodable input poisons the channel (the owner closes
// it), and while the peer does not read, `writable` is false so producers wait on `drained()`;
// input that keeps arriving meanwhile is held only up to `maxBacklog` bytes.
import type { Stream, TransportError } from '../../gossip/runtime.js';
import { DecodeError } from '../../gossip/decode-error.js';
import { Encoder, EncodeError, MsgStreamDecoder, type Value } from '../../store/codec.js';

export interface ChannelOptions {
  /** Largest accepted incoming message (python has none; we refuse more). Default 16 MiB. */
  maxMessageBytes?: number;
  /** Input bytes held back while our output is blocked, before the channel gives up. Default 8 MiB. */
  maxBacklog?: number;
  what?: string;
}

export interface ChannelHandlers {
  /** Each decoded message, in order. Not called while the owner has paused input. */
  message(v: Value): void;
  /** Undecodable or oversized input; no more messages follow. */
  garbage(err: DecodeError): void;
  /** The stream ended or broke (called once). */
  closed(err?: TransportError): void;
  /** The messages of one incoming chunk have all been handed over (request timing). */
  chunkDone?(): void;
}

/** Queued output above this is written at once rather than at the end of the turn. */
const FLUSH_BYTES = 64 << 10;

export class MsgChannel {
  private readonly decoder: MsgStreamDecoder;
  private readonly enc = new Encoder();
  private outQueue: Uint8Array[] = [];
  private outBytes = 0;
  private flushQueued = false;
  private blocked = false;
  private drainWaiters: (() => void)[] = [];
  private pendingInput: Uint8Array[] = [];
  private pendingBytes = 0;
  private paused = false;
  /** Input is poisoned (garbage, oversized, backlog): nothing more is read. */
  private dead = false;
  /** The stream is gone. */
  private ended = false;
  private readonly maxBacklog: number;
  private handlers: ChannelHandlers | undefined;
  /** Called after queued output was written (request timing). */
  onWritten: (() => void) | undefined;

  constructor(
    readonly stream: Stream,
    opts: ChannelOptions = {},
  ) {
    this.decoder = new MsgStreamDecoder({ maxMessageBytes: opts.maxMessageBytes ?? 16 << 20, what: opts.what ?? 'client message' });
    this.maxBacklog = opts.maxBacklog ?? 8 << 20;
  }

  /** Starts reading. */
  start(h: ChannelHandlers): void {
    this.handlers = h;
    this.stream.onDrain(() => {
      this.blocked = false;
      const w = this.drainWaiters;
      this.drainWaiters = [];
      for (const f of w) f();
      this.replay();
    });
    this.stream.onClose((err) => {
      this.dead = true;
      this.ended = true;
      const w = this.drainWaiters;
      this.drainWaiters = [];
      for (const f of w) f();
      h.closed(err);
    });
    this.stream.onData((chunk) => this.input(chunk));
  }

  get closed(): boolean {
    return this.ended || this.stream.closed;
  }

  /** False while the peer is not reading what we sent (wait on drained()). */
  get writable(): boolean {
    return !this.blocked && !this.closed;
  }

  /** Resolves when output may continue (or the stream is gone). */
  drained(): Promise<void> {
    if (!this.blocked || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Packs one message and queues it; throws EncodeError for an unpackable value (nothing sent).
   * Messages sent in the same turn of the event loop go out in one write (a syscall per message
   * was most of the cost of a pipelined client; see bench/client-protocol.bench.ts).
   */
  send(msg: Value): void {
    if (this.closed) return;
    const bytes = this.enc.encode(msg);
    this.outQueue.push(bytes);
    this.outBytes += bytes.length;
    if (this.outBytes >= FLUSH_BYTES) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushTask);
    }
  }

  private readonly flushTask = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  /** Writes what send() queued. */
  flush(): void {
    const q = this.outQueue;
    if (!q.length) return;
    const bytes = q.length === 1 ? q[0]! : Buffer.concat(q, this.outBytes);
    this.outQueue = [];
    this.outBytes = 0;
    if (this.closed) return;
    if (!this.stream.write(bytes)) this.blocked = true;
    this.onWritten?.();
  }

  /** Stop handing messages to the owner (they queue as bytes, bounded by maxBacklog). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.replay();
  }

  private replay(): void {
    while (this.pendingInput.length && !this.paused && !this.blocked && !this.dead) {
      const c = this.pendingInput.shift()!;
      this.pendingBytes -= c.length;
      this.feed(c);
    }
  }

  close(): void {
    this.flush();
    this.stream.end();
  }

  destroy(): void {
    this.stream.destroy();
  }

  private input(chunk: Uint8Array): void {
    if (this.dead) return;
    if (this.paused || this.blocked || this.pendingInput.length) {
      this.pendingInput.push(chunk.slice());
      this.pendingBytes += chunk.length;
      if (this.pendingBytes > this.maxBacklog) {
        this.dead = true;
        this.handlers?.garbage(new DecodeError(`client sent ${this.pendingBytes} bytes without reading our replies`, undefined, 'client backlog'));
      }
      return;
    }
    this.feed(chunk);
  }

  private feed(chunk: Uint8Array): void {
    let msgs: Value[];
    try {
      msgs = this.decoder.push(chunk);
    } catch (e) {
      if (this.dead) return;
      this.dead = true;
      this.handlers?.garbage(e instanceof DecodeError ? e : new DecodeError(String(e), undefined, 'client message'));
      return;
    }
    for (let i = 0; i < msgs.length; i++) {
      if (this.dead) return;
      this.handlers?.message(msgs[i]!);
    }
    this.handlers?.chunkDone?.();
  }
}

export { EncodeError };

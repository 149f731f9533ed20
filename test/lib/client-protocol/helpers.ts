// Test helpers: an in-memory Stream pair (ordered, asynchronous delivery, a write buffer that
// reports backpressure) and a server on it, so protocol tests need no sockets.
import { TransportError, type Addr, type Stream } from '../../../gossip/runtime.js';
import { MemoryLogger } from '../../../lib/runtime/index.js';
import { ClientListener } from '../../../lib/client-protocol/listener.js';
import type { ServerContext } from '../../../lib/client-protocol/context.js';
import { Store } from '../../../store/store.js';

export class PipeEnd implements Stream {
  peer!: PipeEnd;
  closed = false;
  /** Bytes written by the peer and not yet handed to onData (while reading is paused). */
  held: Uint8Array[] = [];
  heldBytes = 0;
  paused = false;
  private data: ((b: Uint8Array) => void) | undefined;
  private drain: (() => void) | undefined;
  private close: ((e?: TransportError) => void) | undefined;
  private closeFired = false;

  constructor(
    readonly local: Addr,
    readonly remote: Addr,
    /** Peer-held bytes above which our write() returns false. */
    readonly highWater = 64 * 1024,
  ) {}

  write(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    const copy = bytes.slice();
    const p = this.peer;
    p.held.push(copy);
    p.heldBytes += copy.length;
    queueMicrotask(() => p.pump());
    return p.heldBytes <= this.highWater;
  }

  /** Stop / resume delivering to onData (a reader that does not read). */
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.pump();
  }

  pump(): void {
    const wasFull = this.heldBytes > this.peer.highWater;
    while (!this.paused && this.held.length && this.data && !this.closed) {
      const b = this.held.shift()!;
      this.heldBytes -= b.length;
      this.data(b);
    }
    if (wasFull && this.heldBytes <= this.peer.highWater) this.peer.drain?.();
  }

  onData(h: (b: Uint8Array) => void): void {
    this.data = h;
    queueMicrotask(() => this.pump());
  }
  onDrain(h: () => void): void {
    this.drain = h;
  }
  onClose(h: (e?: TransportError) => void): void {
    this.close = h;
    if (this.closed) queueMicrotask(() => this.fireClose());
  }
  private fireClose(err?: TransportError): void {
    if (this.closeFired || !this.close) return;
    this.closeFired = true;
    this.close(err);
  }
  end(): void {
    this.shut();
  }
  destroy(err?: TransportError): void {
    this.shut(err);
  }
  private shut(err?: TransportError): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.fireClose(err));
    const p = this.peer;
    queueMicrotask(() => {
      p.pump();
      if (!p.closed) {
        p.closed = true;
        p.fireClose(err ? new TransportError('reset', 'peer reset') : undefined);
      }
    });
  }
}

export function pipe(highWater?: number): [PipeEnd, PipeEnd] {
  const a = new PipeEnd({ host: '127.0.0.1', port: 1 }, { host: '127.0.0.1', port: 2 }, highWater);
  const b = new PipeEnd({ host: '127.0.0.1', port: 2 }, { host: '127.0.0.1', port: 1 }, highWater);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** A ready store (python `-I initial_value` on test1) with a listener; `connect()` gives a client-side stream. */
export function memServer(opts: Partial<ServerContext> & { highWater?: number } = {}): {
  store: Store;
  listener: ClientListener;
  logger: MemoryLogger;
  connect(): PipeEnd;
} {
  const store = opts.store ?? new Store('test1');
  if (!opts.store) {
    store.markReady();
    store.setValue([], 'initial_value');
  }
  const logger = new MemoryLogger();
  const ctx: ServerContext = { store, logger, qlen: 10, watchBuffer: 100, maxMessageBytes: 1 << 20, ...opts };
  const listener = new ClientListener(ctx, { localAddr: () => ({ host: '127.0.0.1', port: 2 }), connect: () => Promise.reject(new Error('no')), onStream: () => {}, close: () => Promise.resolve() });
  return {
    store,
    listener,
    logger,
    connect() {
      const [c, s] = pipe(opts.highWater);
      listener.accept(s);
      return c;
    },
  };
}

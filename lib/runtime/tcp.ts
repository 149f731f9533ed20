// StreamTransport over node:net, plus the Stream wrapper used for both directions.
//
// Semantics (the simulator's streams must match them):
// - Reading starts when onData is first called; until then bytes wait in the kernel/socket
//   buffers (so nothing is lost between accept and handler registration). A stream whose owner
//   never calls onData also never notices the peer's end: always register it.
// - Not half-open: when the peer ends, we end too once our queued bytes are flushed, and onClose()
//   fires without an error. The seams have no "peer ended" callback, so a half-open socket would
//   linger unnoticed.
// - onClose fires exactly once: undefined after an orderly end (either side) or our destroy()
//   without an error; a TransportError ('reset', 'timeout', 'io', ...) when the stream broke.
//   A handler registered after the close still gets called (asynchronously).
// - write() after close/end is a no-op returning false; it never throws or emits an error.
//   write() copies the bytes (Node would otherwise hold a reference until they are sent), so
//   callers may reuse their buffers, as they may with the simulator's streams.
// - Closing the transport destroys every stream still open in either direction (a node shutting
//   down), so close() resolves promptly.
// - Every Node 'error' event is caught and turned into the onClose error.
import { createServer, isIP, Socket, type Server } from 'node:net';
import { SubLogger, TransportError, type Addr, type Logger, type Millis, type Stream, type StreamTransport } from '../../gossip/runtime.js';
import { toTransportError } from './errors.js';
import { assertIpLiteral, isWildcardV6, normalizeHost } from './udp.js';

export class NodeStream implements Stream {
  readonly remote: Addr;
  readonly local: Addr;
  private dataHandler: ((bytes: Uint8Array) => void) | undefined;
  private drainHandler: (() => void) | undefined;
  private closeHandler: ((err?: TransportError) => void) | undefined;
  private closeErr: TransportError | undefined;
  private isClosed = false;
  private closeDelivered = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly sock: Socket) {
    this.remote = { host: normalizeHost(sock.remoteAddress ?? ''), port: sock.remotePort ?? 0 };
    this.local = { host: normalizeHost(sock.localAddress ?? ''), port: sock.localPort ?? 0 };
    sock.setNoDelay(true);
    sock.on('error', (e) => {
      this.closeErr ??= toTransportError(e, `stream ${this.remote.host}:${this.remote.port}`);
    });
    sock.on('drain', () => this.drainHandler?.());
    sock.on('close', () => {
      this.isClosed = true;
      for (const l of this.closeListeners.splice(0)) l();
      this.deliverClose();
    });
  }

  get closed(): boolean {
    return this.isClosed || this.sock.destroyed || this.sock.writableEnded;
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    // The callback swallows write errors: they also arrive as an 'error' event, handled above.
    return this.sock.write(Buffer.from(bytes), () => {});
  }

  onData(handler: (bytes: Uint8Array) => void): void {
    const first = this.dataHandler === undefined;
    this.dataHandler = handler;
    if (first) this.sock.on('data', (b: Buffer) => this.dataHandler!(b));
  }

  onDrain(handler: () => void): void {
    this.drainHandler = handler;
  }

  onClose(handler: (err?: TransportError) => void): void {
    this.closeHandler = handler;
    if (this.isClosed) {
      // Registered after the fact: still exactly once, never synchronously.
      this.closeDelivered = false;
      queueMicrotask(() => this.deliverClose());
    }
  }

  private deliverClose(): void {
    if (this.closeDelivered || !this.closeHandler) return;
    this.closeDelivered = true;
    this.closeHandler(this.closeErr);
  }

  end(): void {
    if (!this.sock.writableEnded && !this.sock.destroyed) this.sock.end();
  }

  destroy(err?: TransportError): void {
    if (this.sock.destroyed) return;
    if (err) this.closeErr ??= err;
    // Tell the peer it broke (RST) rather than a clean FIN -- unless we already ended: a reset
    // during the shutdown that end() started fails in libuv (EINVAL) and Node then drops the
    // handle without closing it, leaking the socket for the life of the process.
    if (err && !this.sock.writableEnded) {
      try {
        this.sock.resetAndDestroy();
        return;
      } catch {
        // not connected yet: plain destroy below
      }
    }
    this.sock.destroy();
  }

  /** Internal: for the transport's bookkeeping. */
  whenClosed(fn: () => void): void {
    if (this.isClosed) fn();
    else this.closeListeners.push(fn);
  }
}

export interface TcpOptions {
  /** IPv4 or IPv6 literal (default 127.0.0.1). */
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  logger: Logger;
}

/** Listens on host:port. Rejects with a TransportError whose `cause` keeps Node's error. */
export async function listenTcp(opts: TcpOptions): Promise<TcpTransport> {
  const server = createServer({ allowHalfOpen: false, noDelay: true });
  await listenOn(server, opts);
  return new TcpTransport(server, new SubLogger(opts.logger, 'tcp'));
}

/** Binds `server` (node:net or node:tls) to opts' host:port, exclusive, as listenTcp does. */
export async function listenOn(server: Server, opts: TcpOptions): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  assertIpLiteral(host);
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => {
      server.close();
      reject(toTransportError(e, `cannot listen on ${isIP(host) === 6 ? `[${host}]` : host}:${opts.port ?? 0}/tcp`));
    };
    server.once('error', onError);
    server.listen({ host, port: opts.port ?? 0, exclusive: true, ipv6Only: isIP(host) === 6 && !isWildcardV6(host) }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export class TcpTransport implements StreamTransport {
  private handler: ((s: Stream) => void) | undefined;
  private readonly open = new Set<NodeStream>();
  private readonly connecting = new Set<Socket>();
  private closing: Promise<void> | undefined;
  private readonly local: Addr;

  constructor(
    private readonly server: Server,
    private readonly log: SubLogger,
    /** node:tls servers hand over their decrypted sockets with 'secureConnection' (lib/runtime/tls.ts). */
    acceptEvent: 'connection' | 'secureConnection' = 'connection',
  ) {
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('TCP server has no address');
    this.local = { host: normalizeHost(a.address), port: a.port };
    server.on(acceptEvent, (sock: Socket) => this.accepted(sock));
    // Accept failures (EMFILE when out of descriptors) must not crash the node.
    server.on('error', (e) => this.log.error('listener error', { local: this.local, error: toTransportError(e, 'accept') }));
  }

  localAddr(): Addr {
    return this.local;
  }

  /** Streams currently open in either direction. */
  get openCount(): number {
    return this.open.size;
  }

  private track(s: NodeStream): void {
    this.open.add(s);
    s.whenClosed(() => this.open.delete(s));
  }

  private accepted(sock: Socket): void {
    sock.on('error', () => {}); // until wrapped (it is, synchronously below; belt and braces)
    if (this.closing || !this.handler) {
      sock.destroy();
      return;
    }
    const s = new NodeStream(sock);
    this.track(s);
    this.handler(s);
  }

  connect(to: Addr, timeoutMs: Millis): Promise<Stream> {
    return new Promise<Stream>((resolve, reject) => {
      if (this.closing) return reject(new TransportError('closed', 'stream transport is closed'));
      try {
        assertIpLiteral(to.host);
      } catch (e) {
        return reject(e);
      }
      const where = `connect to ${to.host}:${to.port}`;
      const sock = new Socket({ allowHalfOpen: false });
      try {
        sock.connect({ host: to.host, port: to.port });
      } catch (e) {
        // Synchronous throws: a port outside 1..65535, descriptors exhausted. The socket already
        // holds a handle by then: destroy it, or it stays open for the life of the process.
        sock.destroy();
        return reject(toTransportError(e, where, 'unreachable'));
      }
      this.connecting.add(sock);
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        this.connecting.delete(sock);
        sock.off('error', onError);
        sock.off('close', onEarlyClose);
        return true;
      };
      const onError = (e: Error): void => {
        if (!settle()) return;
        sock.destroy();
        reject(toTransportError(e, where));
      };
      const onEarlyClose = (): void => {
        if (settle()) reject(new TransportError(this.closing ? 'closed' : 'io', `${where}: closed before connecting`));
      };
      const timer = setTimeout(
        () => {
          if (!settle()) return;
          sock.destroy();
          reject(new TransportError('timeout', `${where}: no answer within ${timeoutMs} ms`));
        },
        Math.max(1, Math.min(timeoutMs, 0x7fffffff)),
      );
      sock.once('error', onError);
      sock.once('close', onEarlyClose);
      sock.once('connect', () => {
        if (!settle()) return;
        const s = new NodeStream(sock);
        if (this.closing) {
          s.destroy();
          return reject(new TransportError('closed', `${where}: transport closed while connecting`));
        }
        this.track(s);
        resolve(s);
      });
    });
  }

  onStream(handler: (s: Stream) => void): void {
    this.handler = handler;
  }

  /** Stops listening and tears down every open stream and pending connect. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const sock of this.connecting) sock.destroy();
      for (const s of [...this.open]) s.destroy(new TransportError('closed', 'transport closed'));
    });
    return this.closing;
  }
}

// PacketTransport over a dgram socket. UDP semantics: sendTo never throws and never reports back;
// failures (too big, unreachable, closed) are logged and the datagram is dropped, as the
// network would drop it.
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { SubLogger, TransportError, type Addr, type Logger, type PacketTransport } from '../../gossip/runtime.js';
import { toTransportError } from './errors.js';

/** Largest UDP payload: 65535 minus the IP and UDP headers (IPv6 has no header in the count). */
export const MAX_DATAGRAM_V4 = 65507;
export const MAX_DATAGRAM_V6 = 65527;
/** Kernel receive buffer we ask for: room for a burst of full-size gossip datagrams (memberlist asks 2 MiB). */
const WANT_RECV_BUFFER = 2 * 1024 * 1024;
const MIN_RECV_BUFFER = 128 * 1024;

export interface UdpOptions {
  /** IPv4 or IPv6 literal (default 127.0.0.1). */
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  logger: Logger;
}

/** `::ffff:1.2.3.4` (IPv4 through a dual-stack socket) is reported as `1.2.3.4`. */
export function normalizeHost(host: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return m ? m[1]! : host;
}

export function isWildcardV6(host: string): boolean {
  return host === '::' || /^(0{1,4}:){7}0{1,4}$/.test(host) || host === '::0';
}

export function assertIpLiteral(host: string): void {
  if (isIP(host) === 0) throw new TransportError('unreachable', `'${host}' is not an IPv4/IPv6 literal`);
}

/**
 * Binds a UDP socket. Rejects with a TransportError whose `cause` keeps Node's error (so callers
 * can tell EADDRINUSE apart and retry with another port).
 */
export async function bindUdp(opts: UdpOptions): Promise<UdpTransport> {
  const host = opts.host ?? '127.0.0.1';
  assertIpLiteral(host);
  const v6 = isIP(host) === 6;
  // The IPv6 wildcard is dual-stack, as Go's (memberlist's) listeners are; specific addresses are not.
  const dualStack = isWildcardV6(host);
  const sock = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 && !dualStack });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => {
      sock.close();
      reject(toTransportError(e, `cannot bind ${host}:${opts.port ?? 0}/udp`));
    };
    sock.once('error', onError);
    sock.bind({ address: host, port: opts.port ?? 0, exclusive: true }, () => {
      sock.off('error', onError);
      resolve();
    });
  });
  return new UdpTransport(sock, v6 ? MAX_DATAGRAM_V6 : MAX_DATAGRAM_V4, new SubLogger(opts.logger, 'udp'), dualStack);
}

export class UdpTransport implements PacketTransport {
  private handler: ((from: Addr, bytes: Uint8Array) => void) | undefined;
  private closing: Promise<void> | undefined;
  private readonly local: Addr;
  /** Counters for tests and metrics. */
  readonly stats = { sent: 0, received: 0, sendErrors: 0, dropped: 0 };

  constructor(
    private readonly sock: Socket,
    readonly maxDatagram: number,
    private readonly log: SubLogger,
    /** Bound to the IPv6 wildcard with IPv4 mapped in: IPv4 peers are sent to as ::ffff:a.b.c.d. */
    private readonly dualStack = false,
  ) {
    const a = sock.address();
    this.local = { host: normalizeHost(a.address), port: a.port };
    this.setRecvBuffer();
    sock.on('message', (msg, rinfo) => {
      this.stats.received++;
      const h = this.handler;
      if (!h) {
        this.stats.dropped++;
        return;
      }
      h({ host: normalizeHost(rinfo.address), port: rinfo.port }, msg);
    });
    // An unhandled 'error' event would crash the process; a UDP socket error is not fatal to the node.
    sock.on('error', (e) => this.log.warn('socket error', { local: this.local, error: toTransportError(e, 'udp') }));
  }

  private setRecvBuffer(): void {
    // Linux caps silently at rmem_max; other systems throw, so step down until one is accepted.
    for (let size = WANT_RECV_BUFFER; size >= MIN_RECV_BUFFER; size >>= 1) {
      try {
        this.sock.setRecvBufferSize(size);
        return;
      } catch {
        // try a smaller one
      }
    }
    this.log.warn('could not enlarge the UDP receive buffer; bursts of large datagrams may be dropped');
  }

  /** The kernel's receive buffer size in bytes (Linux reports twice the requested size). */
  recvBufferSize(): number {
    return this.sock.getRecvBufferSize();
  }

  localAddr(): Addr {
    return this.local;
  }

  sendTo(to: Addr, bytes: Uint8Array): void {
    if (this.closing) {
      this.log.debug('send after close dropped', { to: `${to.host}:${to.port}` });
      return;
    }
    if (bytes.length > this.maxDatagram) {
      this.stats.sendErrors++;
      this.log.warn('too-big: datagram refused', { to: `${to.host}:${to.port}`, size: bytes.length, max: this.maxDatagram });
      return;
    }
    try {
      // Copied: a queued send keeps a reference, and callers may reuse their buffer at once.
      const host = this.dualStack && isIP(to.host) === 4 ? `::ffff:${to.host}` : to.host;
      this.sock.send(Buffer.from(bytes), to.port, host, (err) => {
        if (err) this.sendFailed(to, err);
        else this.stats.sent++;
      });
    } catch (e) {
      // Synchronous throws: bad port, socket closed in between.
      this.sendFailed(to, e);
    }
  }

  private sendFailed(to: Addr, e: unknown): void {
    this.stats.sendErrors++;
    const err = toTransportError(e, `send to ${to.host}:${to.port}`);
    this.log.warn(`${err.code}: datagram not sent`, { to: `${to.host}:${to.port}`, error: err.message });
  }

  onPacket(handler: (from: Addr, bytes: Uint8Array) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      try {
        this.sock.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    return this.closing;
  }
}

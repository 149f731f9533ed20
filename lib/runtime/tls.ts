// TLS on a listening port (DistKV's `server.bind_default.ssl`): node:tls over the same
// TcpTransport, which then sees decrypted sockets ('secureConnection'). A handshake that fails
// or stalls never reaches the transport's handler; the stalled ones are cut after
// `handshakeTimeoutMs` and on close(), so close() stays prompt. With a `ca`, every client must
// present a certificate it signed (mutual TLS). setCredentials() swaps certificate, key and CA
// for the handshakes that follow (SIGHUP), after checking them: a bad set throws and the old one
// stays; connections already open keep theirs. Client side: tlsClientOptions.
import { X509Certificate } from 'node:crypto';
import { createSecureContext, createServer, type ConnectionOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { SubLogger } from '../../gossip/runtime.js';
import { listenOn, TcpTransport, type TcpOptions } from './tcp.js';

export interface TlsServerFiles {
  /** PEM certificate (chain). */
  cert: string | Buffer;
  /** PEM private key. */
  key: string | Buffer;
  /** PEM CA certificate(s): clients must present a certificate signed by one (mutual TLS). */
  ca?: string | Buffer;
}

/**
 * Throws unless cert and key make a working pair and the CA (if any) holds a certificate — what
 * node:tls would otherwise accept silently (a CA file without one) or fail on later.
 */
export function checkTlsFiles(f: TlsServerFiles): void {
  createSecureContext({ cert: f.cert, key: f.key });
  if (f.ca !== undefined) new X509Certificate(f.ca);
}

export class TlsTransport extends TcpTransport {
  constructor(
    private readonly tlsServer: TlsServer,
    log: SubLogger,
    private readonly raw: Set<Socket>,
    /** Client certificates are required (a `ca` was given at listen time). */
    readonly mutual: boolean,
  ) {
    super(tlsServer, log, 'secureConnection');
  }

  /**
   * New certificate, key and CA for the handshakes from now on; open connections keep theirs.
   * Throws (and changes nothing) when they do not check out. Turning mutual TLS on or off needs
   * a new listener: a `ca` must be given exactly when one was at listen time.
   */
  setCredentials(f: TlsServerFiles): void {
    if ((f.ca !== undefined) !== this.mutual) throw new Error(this.mutual ? 'a CA for client certificates is required (mutual TLS was on at start)' : 'mutual TLS (a client CA) can only be turned on by a restart');
    checkTlsFiles(f);
    this.tlsServer.setSecureContext({ cert: f.cert, key: f.key, ...(f.ca !== undefined ? { ca: f.ca } : {}) });
  }

  override close(): Promise<void> {
    // the raw sockets under every connection, handshakes still running included
    for (const s of this.raw) s.destroy();
    return super.close();
  }
}

/** Listens on host:port with TLS; the streams it hands out carry plaintext. */
export async function listenTls(opts: TcpOptions & { tls: TlsServerFiles; handshakeTimeoutMs?: number }): Promise<TlsTransport> {
  const log = new SubLogger(opts.logger, 'tls');
  checkTlsFiles(opts.tls);
  const mutual = opts.tls.ca !== undefined;
  const server = createServer({
    cert: opts.tls.cert,
    key: opts.tls.key,
    ...(mutual ? { ca: opts.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
    allowHalfOpen: false,
    noDelay: true,
    handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
  });
  const raw = new Set<Socket>();
  server.on('connection', (sock: Socket) => {
    raw.add(sock);
    sock.once('close', () => raw.delete(sock));
  });
  server.on('tlsClientError', (e: Error, s: TLSSocket) => {
    log.debug('TLS handshake failed', { remote: `${s.remoteAddress ?? '?'}:${s.remotePort ?? 0}`, error: e.message });
  });
  await listenOn(server, opts);
  return new TlsTransport(server, new SubLogger(opts.logger, 'tcp'), raw, mutual);
}

/**
 * How a node connects to its peers' TLS client ports (the replica's initial sync): trusts the
 * certificates (chains) it serves itself and its client CA — a cluster shares one certificate or
 * one CA — and does not check host names, since peers are addressed by IP. It shows its own first
 * certificate, for peers that ask for one (mutual TLS).
 */
export function tlsClientOptions(own: TlsServerFiles | readonly TlsServerFiles[]): ConnectionOptions {
  const list = Array.isArray(own) ? (own as readonly TlsServerFiles[]) : [own as TlsServerFiles];
  const ca = list.flatMap((f) => [f.cert, ...(f.ca !== undefined ? [f.ca] : [])]);
  const first = list[0];
  return { ca, ...(first ? { cert: first.cert, key: first.key } : {}), checkServerIdentity: () => undefined };
}

// TLS on a listening port (DistKV's `server.bind_default.ssl`): node:tls over the same
// TcpTransport, which then sees decrypted sockets ('secureConnection'). A handshake that fails
// or stalls never reaches the transport's handler; the stalled ones are cut after
// `handshakeTimeoutMs` and on close(), so close() stays prompt. Client side: tlsClientOptions.
import { createServer, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { SubLogger } from '../../gossip/runtime.js';
import { listenOn, TcpTransport, type TcpOptions } from './tcp.js';

export interface TlsServerFiles {
  /** PEM certificate (chain). */
  cert: string | Buffer;
  /** PEM private key. */
  key: string | Buffer;
}

class TlsTransport extends TcpTransport {
  constructor(
    server: import('node:net').Server,
    log: SubLogger,
    private readonly raw: Set<Socket>,
  ) {
    super(server, log, 'secureConnection');
  }

  override close(): Promise<void> {
    // the raw sockets under every connection, handshakes still running included
    for (const s of this.raw) s.destroy();
    return super.close();
  }
}

/** Listens on host:port with TLS; the streams it hands out carry plaintext. */
export async function listenTls(opts: TcpOptions & { tls: TlsServerFiles; handshakeTimeoutMs?: number }): Promise<TcpTransport> {
  const log = new SubLogger(opts.logger, 'tls');
  const server = createServer({
    cert: opts.tls.cert,
    key: opts.tls.key,
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
  return new TlsTransport(server, new SubLogger(opts.logger, 'tcp'), raw);
}

/**
 * How a node connects to its peers' TLS client ports (the replica's initial sync): trusts the
 * certificate (chain) it serves itself — a cluster shares one certificate or one CA — and does not
 * check host names, since peers are addressed by IP.
 */
export function tlsClientOptions(ownCert: string | Buffer): ConnectionOptions {
  return { ca: ownCert, checkServerIdentity: () => undefined };
}

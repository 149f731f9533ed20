// A client's outgoing TCP stream without a listener of its own (the runtime's TcpTransport
// connects too, but also binds a port, which a client does not need); over TLS when asked
// (a server with `server.bind_default.ssl`).
import { connect } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { TransportError, type Addr, type Stream } from '../../gossip/runtime.js';
import { NodeStream, toTransportError } from '../runtime/index.js';

export function connectTcp(to: Addr, timeoutMs = 5000, tls?: ConnectionOptions): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const where = `connect to ${to.host}:${to.port}`;
    const sock = tls
      ? connectTls({ ...tls, host: to.host, port: to.port }) // NodeStream sets noDelay
      : connect({ host: to.host, port: to.port, noDelay: true, allowHalfOpen: false });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new TransportError('timeout', `${where}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      sock.destroy();
      reject(toTransportError(e, tls ? `${where} (TLS)` : where));
    });
    // a TLS stream is usable once the handshake (and the certificate check) is done
    sock.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(new NodeStream(sock));
    });
  });
}

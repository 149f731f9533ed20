// A client's outgoing TCP stream without a listener of its own (the runtime's TcpTransport
// connects too, but also binds a port, which a client does not need).
import { connect } from 'node:net';
import { TransportError, type Addr, type Stream } from '../../gossip/runtime.js';
import { NodeStream, toTransportError } from '../runtime/index.js';

export function connectTcp(to: Addr, timeoutMs = 5000): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const where = `connect to ${to.host}:${to.port}`;
    const sock = connect({ host: to.host, port: to.port, noDelay: true, allowHalfOpen: false });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new TransportError('timeout', `${where}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(toTransportError(e, where));
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(new NodeStream(sock));
    });
  });
}

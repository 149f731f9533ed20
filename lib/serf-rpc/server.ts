// The Serf agent RPC listener (serf agent -rpc-addr, default 127.0.0.1:7373): one RpcConnection
// per client on a stream transport (the real TCP one, or any StreamTransport in tests).
import type { Addr, StreamTransport } from '../../gossip/runtime.js';
import { SubLogger } from '../../gossip/runtime.js';
import { listenTcp } from '../runtime/tcp.js';
import { RpcConnection, type RpcBackend } from './connection.js';

export const DEFAULT_RPC_ADDR: Addr = { host: '127.0.0.1', port: 7373 };

export class SerfRpcServer {
  private readonly conns = new Set<RpcConnection>();
  private stopped = false;
  private readonly log: SubLogger;

  constructor(
    readonly backend: RpcBackend,
    private readonly transport: StreamTransport,
  ) {
    this.log = new SubLogger(backend.serf.rt.logger, 'agent.ipc');
    transport.onStream((s) => {
      if (this.stopped) return s.destroy();
      const c = new RpcConnection(backend, s);
      this.log.info(`Accepted client: ${c.name}`);
      this.conns.add(c);
      void c.run().finally(() => this.conns.delete(c));
    });
  }

  /** Listens on `addr` (TCP) and serves `backend`. */
  static async listen(backend: RpcBackend, addr: Addr = DEFAULT_RPC_ADDR): Promise<SerfRpcServer> {
    const tcp = await listenTcp({ host: addr.host, port: addr.port, logger: backend.serf.rt.logger });
    return new SerfRpcServer(backend, tcp);
  }

  localAddr(): Addr {
    return this.transport.localAddr();
  }

  get connections(): number {
    return this.conns.size;
  }

  /** Stops listening and closes every client connection. Idempotent. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of [...this.conns]) c.close();
    await this.transport.close();
  }
}

// The client port: accepts connections on a StreamTransport (real TCP or the simulator) and runs
// one ServerConnection per client.
import type { Stream, StreamTransport } from '../../gossip/runtime.js';
import { ServerConnection } from './connection.js';
import type { ServerContext } from './context.js';

export class ClientListener {
  private readonly conns = new Set<ServerConnection>();

  constructor(
    readonly ctx: ServerContext,
    readonly transport: StreamTransport,
  ) {}

  /** Starts accepting (python opens the port only once the server is ready). */
  start(): void {
    this.transport.onStream((s) => this.accept(s));
  }

  /** Serves an already open stream (tests, in-process clients). */
  accept(s: Stream): ServerConnection {
    const c = new ServerConnection(this.ctx, s, (x) => this.conns.delete(x));
    this.conns.add(c);
    c.start();
    return c;
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Ends every connection (their running commands are stopped). */
  closeAll(): void {
    for (const c of [...this.conns]) c.close();
  }
}

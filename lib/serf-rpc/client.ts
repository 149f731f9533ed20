// A small Serf agent RPC client (what serf/client does), for tests and tools: handshake, auth,
// plain calls and streams. Replies are routed by Seq; which replies carry a body is fixed per
// command (a stream's first reply has none, each record after it has one).
import { connect, type Socket } from 'node:net';
import { asStruct, type GoValue } from '../../gossip/msgpack-go.js';
import { asString } from '../../gossip/msgpack-go.js';
import { ValueReader } from './framing.js';
import { encodeRequest, RpcError as RpcErrors } from './protocol.js';

const BODY_COMMANDS = new Set(['join', 'members', 'members-filtered', 'install-key', 'use-key', 'remove-key', 'list-keys', 'stats', 'get-coordinate']);
const STREAMING = new Set(['stream', 'monitor', 'query']);
/** Refusals sent before the command runs: never followed by a body. */
const HEADER_ONLY_ERRORS = new Set([RpcErrors.authRequired, RpcErrors.handshakeRequired, RpcErrors.unsupportedCommand]);

export interface RpcReply {
  error: string;
  body?: GoValue;
}

interface Pending {
  command: string;
  first: boolean;
  resolve: (r: RpcReply) => void;
  onRecord?: (body: GoValue) => void;
}

export class RpcError extends Error {}

export class SerfRpcClient {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly reader = new ValueReader();
  private readonly done: Promise<void>;

  private constructor(private readonly sock: Socket) {
    sock.on('data', (b) => this.reader.push(b));
    sock.on('close', () => this.reader.end());
    sock.on('error', () => {});
    this.done = this.readLoop();
  }

  static async connect(host: string, port: number, opts: { authKey?: string; handshake?: boolean } = {}): Promise<SerfRpcClient> {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(s));
      s.once('error', reject);
    });
    const c = new SerfRpcClient(sock);
    if (opts.handshake !== false) await c.call('handshake', { Version: 1 }).then(c.check);
    if (opts.authKey !== undefined) await c.call('auth', { AuthKey: opts.authKey }).then(c.check);
    return c;
  }

  private check = (r: RpcReply): RpcReply => {
    if (r.error) throw new RpcError(r.error);
    return r;
  };

  /** Sends a request; resolves with the (first) reply. Records of a stream go to `onRecord`. */
  call(command: string, body?: GoValue, onRecord?: (body: GoValue) => void): Promise<RpcReply> {
    const seq = ++this.seq;
    return new Promise<RpcReply>((resolve) => {
      this.pending.set(seq, { command, first: true, resolve, ...(onRecord ? { onRecord } : {}) });
      this.sock.write(encodeRequest(command, seq, body));
    });
  }

  /** Like call, but rejects with RpcError when the reply carries an error. */
  async ok(command: string, body?: GoValue, onRecord?: (body: GoValue) => void): Promise<GoValue | undefined> {
    return this.check(await this.call(command, body, onRecord)).body;
  }

  /** The seq the next call will use (to `stop` a stream later). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Resolves when the server closes the connection. */
  closed(): Promise<void> {
    return this.done;
  }

  close(): void {
    this.sock.destroy();
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        const h = await this.reader.next();
        if (h === undefined) break;
        const s = asStruct(h, 'response header');
        const seq = Number(s.get('Seq') ?? 0);
        const error = asString(s.get('Error'), 'Error');
        const p = this.pending.get(seq);
        if (!p) continue;
        const hasBody = p.first ? BODY_COMMANDS.has(p.command) && !HEADER_ONLY_ERRORS.has(error as never) : true;
        const body = hasBody ? await this.reader.next() : undefined;
        if (p.first) {
          p.first = false;
          if (!STREAMING.has(p.command) || error) this.pending.delete(seq);
          p.resolve({ error, ...(body !== undefined ? { body } : {}) });
        } else if (body !== undefined) p.onRecord?.(body);
      }
    } catch {
      // A garbled reply ends the client.
    } finally {
      this.sock.destroy();
      for (const p of this.pending.values()) if (p.first) p.resolve({ error: 'connection closed' });
      this.pending.clear();
    }
  }
}

// Our DistKV client (the python `distkv.client.Client` protocol): connect, read the greeting,
// agree on the flow-control window, then requests with single or streamed replies. By design
// there is no reconnect: when the connection ends, every pending call and stream fails once with
// ClientClosedError and the client stays closed (a client of a dead server has stale state).
import type { Addr, Clock, Stream } from '../../gossip/runtime.js';
import type { Value, ValueObject } from '../../store/codec.js';
import { Path } from '../../store/path.js';
import { PathLongener } from '../../store/path-shortener.js';
import { AckTracker } from '../client-protocol/flow.js';
import { MsgChannel } from '../client-protocol/framing.js';
import { Request } from '../client-protocol/msg.js';
import { connectTcp } from './tcp.js';
import type { ConnectionOptions } from 'node:tls';
import { Mirror } from './mirror.js';
import { RealClock } from '../runtime/clock.js';

/** The server answered `{seq, error}`. */
export class ServerError extends Error {
  override name = 'ServerError';
}

/** The connection is gone; nothing more will come. */
export class ClientClosedError extends Error {
  override name = 'ClientClosedError';
}

export interface Greeting {
  node: string;
  tick: number | null;
  tock: number;
  version: Value;
  qlen: number;
  auth?: Value;
}

export interface ConnectOptions {
  host?: string;
  port?: number;
  timeoutMs?: number;
  /** Our window (python client config `server.buffer`, default 10). */
  qlen?: number;
  /** TLS options (node:tls: `ca`, `servername`, `checkServerIdentity`…) for a server with TLS on its client port. */
  tls?: ConnectionOptions;
  /** Use this open stream instead of TCP (the simulator, tests). */
  stream?: Stream;
  /** Times the greeting (`timeoutMs`); default Node's timers, the simulator passes its clock. */
  clock?: Clock;
  /** Called once, when the connection is gone (the one fatal error; there is no reconnect). */
  onClosed?: (e: Error) => void;
}

type Msg = ValueObject;

/** Node's timers, ref'd as a plain setTimeout is (a client waiting for its greeting keeps the process up). */
const nodeTimers: Clock = new RealClock({ keepAlive: true });

interface Pending {
  kind: 'single';
  resolve(m: Msg): void;
  reject(e: Error): void;
}

export class DistkvClient {
  private seq = 0;
  private readonly pending = new Map<number, Pending | ReplyStream>();
  private closeErr: Error | undefined;
  private readonly closeWaiters: ((e: Error) => void)[] = [];
  qlen = 0;

  private constructor(
    private readonly channel: MsgChannel,
    readonly greeting: Greeting,
  ) {}

  static async connect(opts: ConnectOptions = {}): Promise<DistkvClient> {
    const addr: Addr = { host: opts.host ?? '127.0.0.1', port: opts.port ?? 27586 };
    const stream = opts.stream ?? (await connectTcp(addr, opts.timeoutMs ?? 5000, opts.tls));
    const channel = new MsgChannel(stream, { what: 'server message', maxBacklog: Infinity });
    let client: DistkvClient | undefined;
    const greeting = await new Promise<Greeting>((resolve, reject) => {
      const timer = (opts.clock ?? nodeTimers).setTimer(opts.timeoutMs ?? 5000, () => {
        reject(new ClientClosedError('no greeting from the server'));
        channel.destroy();
      });
      channel.start({
        message: (v) => {
          if (client) return client.received(v);
          timer.cancel();
          const r = Request.from(v);
          if (!r || r.get('seq') !== 0 || typeof r.get('node') !== 'string') {
            reject(new ClientClosedError('the server did not greet as DistKV does'));
            channel.destroy();
            return;
          }
          resolve(r.raw as unknown as Greeting);
        },
        garbage: (err) => {
          timer.cancel();
          const e = new ClientClosedError(`bad data from the server: ${err.message}`);
          reject(e);
          client?.fail(e);
          channel.destroy();
        },
        closed: (err) => {
          timer.cancel();
          const e = new ClientClosedError(err ? `connection broke: ${err.message}` : 'connection closed by the server');
          reject(e);
          client?.fail(e);
        },
      });
    });
    client = new DistkvClient(channel, greeting);
    if (opts.onClosed) client.closeWaiters.push(opts.onClosed);
    if (typeof greeting.qlen === 'number' && greeting.qlen > 0) {
      client.qlen = Math.min(greeting.qlen, opts.qlen ?? 10);
      channel.send({ seq: 0, qlen: client.qlen });
    }
    return client;
  }

  get closed(): boolean {
    return this.closeErr !== undefined;
  }

  /** Resolves with the reason once the connection is gone. */
  whenClosed(): Promise<Error> {
    if (this.closeErr) return Promise.resolve(this.closeErr);
    return new Promise((r) => this.closeWaiters.push(r));
  }

  close(): void {
    this.fail(new ClientClosedError('closed by us'));
    this.channel.close();
  }

  // ---- raw requests ----

  /** A request with a single reply (the reply map, `seq` and all). */
  request(action: string, params: Msg = {}): Promise<Msg> {
    return this.call({ ...params, action, seq: 0 });
  }

  /** request() for a message we built ourselves (no copy): `seq` is filled in. */
  private call(msg: Msg): Promise<Msg> {
    if (this.closeErr) return Promise.reject(this.closeErr);
    const seq = ++this.seq;
    msg.seq = seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { kind: 'single', resolve, reject });
      this.channel.send(msg);
    });
  }

  /** A request with a streamed reply: iterate it; `stop()` cancels it on the server. */
  stream(action: string, params: Msg = {}): ReplyStream {
    const seq = ++this.seq;
    const s = new ReplyStream(this, seq, this.qlen);
    if (this.closeErr) s.fail(this.closeErr);
    else {
      this.pending.set(seq, s);
      this.send({ ...params, action, seq });
    }
    return s;
  }

  /** @internal */
  send(msg: Msg): void {
    this.channel.send(msg);
  }

  /** @internal */
  forget(seq: number): void {
    this.pending.delete(seq);
  }

  private received(v: Value): void {
    const r = Request.from(v);
    const seq = r?.get('seq');
    if (!r || typeof seq !== 'number') {
      // python's client: "Reader got out of sync"; a server error without seq ends the connection
      this.fail(new ClientClosedError(`message without seq from the server: ${r?.get('error') ?? ''}`));
      this.channel.destroy();
      return;
    }
    const p = this.pending.get(seq);
    if (!p) return; // e.g. a reply to a stream we stopped
    const msg = r.raw as Msg;
    if (p instanceof ReplyStream) {
      p.deliver(msg);
      return;
    }
    this.pending.delete(seq);
    if (msg.state === 'start') {
      // a single request answered with a stream (delete_tree with nchain): collect it
      const s = new ReplyStream(this, seq, 0);
      this.pending.set(seq, s);
      void (async () => {
        const items: Msg[] = [];
        try {
          for await (const m of s) items.push(m);
          p.resolve({ seq, stream: items as Value[] });
        } catch (e) {
          p.reject(e as Error);
        }
      })();
      return;
    }
    if ('error' in msg) p.reject(new ServerError(String(msg.error)));
    else p.resolve(msg);
  }

  private fail(e: Error): void {
    if (this.closeErr) return;
    this.closeErr = e;
    for (const p of this.pending.values()) (p instanceof ReplyStream ? p.fail(e) : p.reject(e));
    this.pending.clear();
    for (const w of this.closeWaiters.splice(0)) w(e);
  }

  // ---- the python client's API ----

  get(path: Path, opts: { nchain?: number } = {}): Promise<Msg> {
    return this.call({ path, nchain: opts.nchain ?? 0, action: 'get_value', seq: 0 });
  }

  set(path: Path, value: Value, opts: { nchain?: number; chain?: Value; prev?: Value; idem?: boolean } = {}): Promise<Msg> {
    const p: Msg = { path, value, nchain: opts.nchain ?? 0 };
    if ('prev' in opts) p.prev = opts.prev as Value;
    if ('chain' in opts) p.chain = opts.chain as Value;
    if (opts.idem !== undefined) p.idem = opts.idem;
    p.action = 'set_value';
    p.seq = 0;
    return this.call(p);
  }

  delete(path: Path, opts: { nchain?: number; chain?: Value; prev?: Value } = {}): Promise<Msg> {
    const p: Msg = { path, nchain: opts.nchain ?? 0 };
    if ('prev' in opts) p.prev = opts.prev as Value;
    if ('chain' in opts) p.chain = opts.chain as Value;
    return this.request('delete_value', p);
  }

  deleteTree(path: Path, opts: { nchain?: number } = {}): Promise<Msg> {
    return this.request('delete_tree', { path, nchain: opts.nchain ?? 0 });
  }

  async list(path: Path, opts: { withData?: boolean; empty?: boolean } = {}): Promise<Value> {
    const withData = opts.withData ?? false;
    const r = await this.request('enum', { path, with_data: withData, empty: opts.empty ?? !withData });
    return r.result as Value;
  }

  /** The subtree's entries, paths made absolute again (python PathLongener). */
  async *getTree(path: Path, opts: { nchain?: number; minDepth?: number; maxDepth?: number; empty?: boolean; internal?: boolean } = {}): AsyncGenerator<Msg> {
    const p: Msg = { path };
    if (opts.nchain) p.nchain = opts.nchain;
    if (opts.minDepth !== undefined) p.min_depth = opts.minDepth;
    if (opts.maxDepth !== undefined) p.max_depth = opts.maxDepth;
    if (opts.empty) p.empty = true;
    const longer = new PathLongener(path);
    for await (const m of this.stream(opts.internal ? 'get_tree_internal' : 'get_tree', p)) yield lengthen(longer, m);
  }

  /** Changes below `path` (with `fetch`: the current entries first, then `{state: 'uptodate'}`). */
  watch(path: Path, opts: { nchain?: number; fetch?: boolean; minDepth?: number; maxDepth?: number; empty?: boolean } = {}): ReplyStream {
    const p: Msg = { path, nchain: opts.nchain ?? 0, fetch: opts.fetch ?? false };
    if (opts.minDepth !== undefined) p.min_depth = opts.minDepth;
    if (opts.maxDepth !== undefined) p.max_depth = opts.maxDepth;
    if (opts.empty) p.empty = true;
    const s = this.stream('watch', p);
    s.longer = new PathLongener(path);
    return s;
  }

  async getTock(): Promise<number> {
    return (await this.request('get_tock')).tock as number;
  }

  /** python `msg_send`: `data` is packed; `raw` bytes are sent as they are. */
  msgSend(topic: readonly string[], msg: { data: Value } | { raw: Uint8Array }): Promise<Msg> {
    return this.request('msg_send', { topic: [...topic], ...msg });
  }

  /** python `msg_monitor`: `{topic, data}` (or `{topic, raw}`) for each message sent to `topic`. */
  msgMonitor(topic: readonly string[], opts: { raw?: boolean } = {}): ReplyStream {
    return this.stream('msg_monitor', { topic: [...topic], raw: opts.raw ?? false });
  }

  /** A live local copy of the subtree at `path` (python `mirror`); await its `ready`. */
  mirror(path: Path, opts: { nchain?: number } = {}): Mirror {
    return new Mirror(this, path, opts);
  }

  getState(flags: { nodes?: boolean; known?: boolean; present?: boolean; deleted?: boolean; missing?: boolean; remote_missing?: boolean } = {}): Promise<Msg> {
    return this.request('get_state', flags as Msg);
  }
}

function lengthen(longer: PathLongener | undefined, m: Msg): Msg {
  if (!longer || !('depth' in m) || !('path' in m)) return m;
  const out = { ...m };
  // the meta tree's paths come as plain tuples
  out.path = longer.lengthen(m.depth as number, Array.isArray(m.path) ? Path.from(m.path as never) : (m.path as Path));
  delete out.depth;
  return out;
}

/** The data messages of one streamed reply (`start` and `end` are consumed; `uptodate` is passed on). */
export class ReplyStream implements AsyncIterableIterator<Msg> {
  private readonly queue: Msg[] = [];
  private waiter: { resolve(r: IteratorResult<Msg>): void; reject(e: Error): void } | undefined;
  private done = false;
  private error: Error | undefined;
  private readonly acks: AckTracker | undefined;
  longer: PathLongener | undefined;

  constructor(
    private readonly client: DistkvClient,
    readonly seq: number,
    qlen: number,
  ) {
    this.acks = qlen > 0 ? new AckTracker(qlen) : undefined;
  }

  /** @internal */
  deliver(msg: Msg): void {
    if (this.done) return;
    if ('error' in msg) {
      // python's client raises it at once (msg_monitor's undecodable payloads have no `end` after them)
      this.error ??= new ServerError(String(msg.error));
      this.wake();
      return;
    }
    const st = msg.state;
    if (st === 'start' || st === 'ack') return;
    if (st === 'end') {
      this.finish();
      return;
    }
    this.queue.push(msg);
    this.wake();
  }

  /** @internal */
  fail(e: Error): void {
    if (this.done) return;
    this.error ??= e;
    this.finish();
  }

  private finish(): void {
    this.done = true;
    this.client.forget(this.seq);
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    const m = this.take();
    if (m) w.resolve({ value: m, done: false });
    else if (this.error) w.reject(this.error);
    else if (this.done) w.resolve({ value: undefined, done: true });
    else this.waiter = w;
  }

  private take(): Msg | undefined {
    const m = this.queue.shift();
    if (!m) return undefined;
    // python's DelayedRead: ack once we consumed more than qlen/3 since the last ack
    const n = this.acks?.read(m.wseq);
    if (n !== undefined && !this.done && !this.client.closed) this.client.send({ seq: this.seq, state: 'ack', ack: n });
    const out = { ...m };
    delete out.wseq;
    return lengthen(this.longer, out);
  }

  next(): Promise<IteratorResult<Msg>> {
    const m = this.take();
    if (m) return Promise.resolve({ value: m, done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Stops the server side (python `stop`) and ends the iteration. */
  async stop(): Promise<void> {
    if (this.done) return;
    this.finish();
    if (!this.client.closed) await this.client.request('stop', { task: this.seq }).catch(() => undefined);
  }

  async return(): Promise<IteratorResult<Msg>> {
    await this.stop();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

// One client connection, server side (python `ServerClient`): the greeting, the hello that sets
// the flow-control window, dispatch of requests in arrival order, single replies, streamed
// replies with flow control, `stop`, and error replies. Every reply is a map with the request's
// `seq` and a fresh `tock` appended when it has none, keys in python's order (they decide the bytes).
import { DecodeError } from '../../gossip/decode-error.js';
import { SubLogger, type Stream } from '../../gossip/runtime.js';
import { isDict, type Value, type ValueObject } from '../../store/codec.js';
import { Path } from '../../store/path.js';
import { PROTOCOL_VERSION, type RequestTimer, type ServerContext } from './context.js';
import { MsgChannel } from './framing.js';
import { SendWindow } from './flow.js';
import { Request, RequestError } from './msg.js';
import { COMMANDS, NO_REPLY, type Command } from './commands.js';
import { aclGate, authCommandFor, authOf } from '../auth/commands.js';

let connCounter = 0;

/** Thrown inside a stream that was stopped or whose connection went away. */
export class Cancelled extends Error {
  override name = 'Cancelled';
}

/** A running request (for `stop`). */
export interface Task {
  cancel(): void;
}

export class ServerConnection {
  readonly id = ++connCounter;
  readonly log: SubLogger;
  readonly channel: MsgChannel;
  /** The chroot prefix (python `root` command); paths in requests are relative to it. */
  root: Path = Path.ROOT;
  /** Flow-control window agreed in the hello (0 = none). */
  qlen = 0;
  private helloPending = true;
  private lastSeq = 0;
  readonly tasks = new Map<number, Task>();
  readonly streams = new Map<number, OutStream>();
  private closedFlag = false;
  private readonly closeHooks = new Set<() => void>();
  /** /metrics request latency (lib/metrics/histogram.ts); undefined when not timed. */
  private readonly timer: RequestTimer | undefined;

  constructor(
    readonly ctx: ServerContext,
    stream: Stream,
    private readonly onGone?: (c: ServerConnection) => void,
  ) {
    this.log = new SubLogger(ctx.logger, 'client-protocol');
    this.channel = new MsgChannel(stream, { maxMessageBytes: ctx.maxMessageBytes });
    if (ctx.counters) ctx.counters.connections++;
    this.timer = ctx.timers?.connection();
    if (this.timer) {
      const t = this.timer;
      this.channel.onWritten = () => t.written();
    }
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Sends the greeting and starts reading. */
  start(): void {
    this.channel.start({
      message: (v) => this.received(v),
      garbage: (err) => {
        this.log.warn('closing connection: bad input', { conn: this.id, error: err.message });
        this.safeSend({ error: err.message });
        this.channel.close();
        this.shutdown();
      },
      closed: (err) => {
        if (err) this.log.debug('connection broke', { conn: this.id, error: err.message });
        this.shutdown();
      },
      ...(this.timer ? { chunkDone: () => this.timer!.chunkDone() } : {}),
    });
    this.send(this.greeting());
  }

  /** python ServerClient.run's first message. */
  private greeting(): ValueObject {
    const st = this.ctx.store;
    const msg: ValueObject = {
      seq: 0,
      version: [...PROTOCOL_VERSION],
      node: st.name,
      tick: st.tick,
      tock: st.nextTock(),
      qlen: this.ctx.qlen,
    };
    // lib/auth: the configured methods, current first; no current method = super-root, no login
    const auth = authOf(this).greeting();
    if (auth) msg.auth = auth;
    return msg;
  }

  /** Sends one message, adding a fresh tock when it has none (python ServerClient.send). */
  send(msg: ValueObject): void {
    if (this.closedFlag && this.channel.closed) return;
    if (!('tock' in msg)) msg.tock = this.ctx.store.nextTock();
    this.channel.send(msg);
  }

  /** send() that logs instead of throwing when a reply cannot be packed. */
  safeSend(msg: ValueObject): void {
    try {
      this.send(msg);
    } catch (e) {
      this.log.warn('reply could not be packed', { conn: this.id, error: String(e) });
      if (typeof msg.seq === 'number') this.channel.send({ error: `reply could not be packed: ${errText(e)}`, seq: msg.seq, tock: this.ctx.store.nextTock() });
    }
  }

  /** Never throws: whatever a message does wrong becomes an error reply. */
  private received(v: Value): void {
    try {
      this.handle(v);
    } catch (e) {
      const seq = isDict(v) && !(v instanceof Map) && typeof v.seq === 'number' ? v.seq : undefined;
      if (seq === undefined) this.safeSend({ error: errText(e) });
      else this.replyError(seq, e);
    }
  }

  private handle(v: Value): void {
    const req = Request.from(v);
    if (!req) {
      this.safeSend({ error: 'a request must be a map' });
      return;
    }
    const seq = req.get('seq');
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
      this.safeSend({ error: 'a request needs an integer seq' });
      return;
    }
    if (seq === 0 && this.helloPending) {
      // python HelloProc: the client's window, capped by ours
      this.helloPending = false;
      const q = req.get('qlen');
      this.qlen = typeof q === 'number' && Number.isSafeInteger(q) && q > 0 ? Math.min(q, this.ctx.qlen) : 0;
      return;
    }
    const s = this.streams.get(seq);
    if (s) {
      s.received(req);
      return;
    }
    if (!req.has('action')) {
      // a late ack or end for a stream that is already over: harmless, and python's client
      // would log a reply to it as spurious
      if (req.has('state')) return;
      this.safeSend({ error: 'a request needs an action', seq });
      return;
    }
    if (seq <= this.lastSeq) {
      this.safeSend({ error: `seq ${seq} is not above the previous request's ${this.lastSeq}`, seq });
      return;
    }
    this.lastSeq = seq;
    if (this.ctx.counters) this.ctx.counters.commands++;
    const action = req.get('action');
    if (typeof action === 'string' && authOf(this).refuses(action)) {
      // python: NoAuthError escapes the connection's task group, which drops the connection
      this.log.info('request before login: closing', { conn: this.id, action });
      this.close();
      return;
    }
    const cmd =
      typeof action !== 'string' ? undefined : Object.hasOwn(COMMANDS, action) ? COMMANDS[action] : authCommandFor(action, req);
    if (cmd && aclGate(this, action as string, req, seq)) return;
    if (!cmd) {
      this.safeSend({ error: `Unknown action: ${typeof action === 'string' ? action : String(action)}`, seq });
      return;
    }
    this.dispatch(cmd, req, seq, action as string);
  }

  private dispatch(cmd: Command, req: Request, seq: number, action: string): void {
    // /metrics latency per command (lib/metrics/histogram.ts: two clock reads per exchange);
    // end() comes before the reply is queued, so the write that carries it stamps it
    const timer = this.timer;
    const t0 = timer ? timer.start() : 0;
    if (cmd.kind === 'stream') {
      const q = req.get('qlen');
      const win = typeof q === 'number' && Number.isSafeInteger(q) && q > 0 ? Math.min(q, 1 << 16) : this.qlen;
      const out = new OutStream(this, seq, win > 0 ? new SendWindow(win) : undefined, req.get('state') === 'start');
      // a stopped stream (watch, monitor) lived as long as its client wanted: not a latency
      if (timer) out.onFinished = () => timer.end(action, t0);
      this.streams.set(seq, out);
      this.tasks.set(seq, out);
      void out.run(() => cmd.run(this, req, out)).finally(() => {
        this.streams.delete(seq);
        if (this.tasks.get(seq) === out) this.tasks.delete(seq);
      });
      return;
    }
    let result: unknown;
    try {
      result = cmd.run(this, req);
    } catch (e) {
      timer?.end(action, t0);
      this.replyError(seq, e);
      return;
    }
    // -data-dir (fsync 'ack'): no reply leaves before the changes applied so far are on disk;
    // replies keep their order, as every barrier resolves in the order it was taken
    const durable = this.ctx.durable?.();
    if (durable) {
      const r = result;
      result = r instanceof Promise ? Promise.all([r, durable]).then(([v]) => v) : durable.then(() => r);
    }
    if (result instanceof Promise) {
      let cancelled = false;
      const task: Task = { cancel: () => (cancelled = true) };
      this.tasks.set(seq, task);
      result.then(
        (r) => {
          if (cancelled) return;
          if (r !== NO_REPLY) timer?.end(action, t0);
          this.reply(seq, r);
        },
        (e) => {
          if (cancelled) return;
          timer?.end(action, t0);
          this.replyError(seq, e);
        },
      ).finally(() => {
        if (this.tasks.get(seq) === task) this.tasks.delete(seq);
      });
      return;
    }
    if (result !== NO_REPLY) timer?.end(action, t0);
    this.reply(seq, result);
  }

  /** python `_process`: None → {}, a non-map → {result: x}; then seq (and tock in send). */
  reply(seq: number, res: unknown): void {
    if (res === NO_REPLY) return;
    let msg: ValueObject;
    if (res === undefined || res === null) msg = {};
    else if (typeof res === 'object' && Object.getPrototypeOf(res) === Object.prototype) msg = res as ValueObject;
    else msg = { result: res as Value };
    msg.seq = seq;
    this.safeSend(msg);
  }

  replyError(seq: number, e: unknown): void {
    if (!(e instanceof RequestError || (e instanceof Error && /^(ClientError|ClientChainError|DecodeError)$/.test(e.name))))
      this.log.warn('request failed', { conn: this.id, seq, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    this.safeSend({ error: errText(e), seq });
  }

  /** Called when the connection ends, whichever side ended it. */
  onClose(fn: () => void): () => void {
    this.closeHooks.add(fn);
    return () => this.closeHooks.delete(fn);
  }

  /** Closes the connection (server shutdown). */
  close(): void {
    this.channel.close();
    this.shutdown();
  }

  private shutdown(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const t of [...this.tasks.values()]) t.cancel();
    this.tasks.clear();
    for (const f of [...this.closeHooks]) f();
    this.closeHooks.clear();
    this.onGone?.(this);
  }
}

/**
 * A streamed reply (python StreamCommand with multiline): `start`, the data maps, `end`; with a
 * window each carries `wseq` and waits for the reader's acks.
 */
export class OutStream implements Task {
  private cancelled = false;
  /** Called when the stream ends by itself (not stopped), just before its `end` is queued. */
  onFinished: (() => void) | undefined;
  private readonly cancelHooks: (() => void)[] = [];
  /** The client's own messages on this stream, until a conversing command reads them (bounded). */
  private readonly inbox: Request[] = [];
  private inboxWaiter: ((m: Request | Error) => void) | undefined;
  /** Why recv() gets nothing more: the client's `end`, a stop, or a request that opened no stream. */
  private inboxEnd: Error | undefined;

  constructor(
    readonly conn: ServerConnection,
    readonly seq: number,
    readonly window: SendWindow | undefined,
    /** The request carried `state: start`: the client may send more on this seq (python `stream=True`). */
    clientStreams = false,
  ) {
    // python closes the command's queue for a single request: its recv() raises EndOfStream
    if (!clientStreams) this.inboxEnd = new RequestError('EndOfStream()');
  }

  get isCancelled(): boolean {
    return this.cancelled || this.conn.closed;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.window?.close(new Cancelled('stopped'));
    this.endInbox(new Cancelled('stopped'));
    for (const f of this.cancelHooks.splice(0)) f();
  }

  /** Runs `fn` when the stream is stopped (e.g. close a watcher). */
  onCancel(fn: () => void): void {
    if (this.cancelled) fn();
    else this.cancelHooks.push(fn);
  }

  /**
   * Messages from the client with this seq: acks, and the client's side of a conversing command
   * (auth `_test`: recv()). At most 8 wait unread — a command that does not converse never reads
   * them, so more from a client is dropped rather than kept.
   */
  received(req: Request): void {
    const st = req.get('state');
    if (st === 'ack') {
      this.window?.ack(req.get('ack'));
      return;
    }
    if (this.inboxEnd) return;
    // python StreamCommand.received: an error is queued (recv raises it), `end` closes the queue
    const err = req.get('error');
    if (err !== undefined && err !== null && err !== '') this.push(new RequestError(String(err)));
    if (st === 'end') this.endInbox(new RequestError('EndOfStream()'));
    else if (err === undefined || err === null || err === '') this.push(req);
  }

  private push(m: Request | Error): void {
    const w = this.inboxWaiter;
    if (w) {
      this.inboxWaiter = undefined;
      w(m);
    } else if (m instanceof Error) this.endInbox(m);
    else if (this.inbox.length < 8) this.inbox.push(m);
  }

  private endInbox(e: Error): void {
    this.inboxEnd ??= e;
    const w = this.inboxWaiter;
    this.inboxWaiter = undefined;
    w?.(this.inboxEnd);
  }

  /** The client's next message on this stream (python StreamCommand.recv); rejects once it ended. */
  recv(): Promise<Request> {
    const m = this.inbox.shift();
    if (m) return Promise.resolve(m);
    if (this.inboxEnd) return Promise.reject(this.inboxEnd);
    if (this.inboxWaiter) return Promise.reject(new Error('recv() is already waiting'));
    return new Promise((resolve, reject) => {
      this.inboxWaiter = (r) => (r instanceof Error ? reject(r) : resolve(r));
    });
  }

  /**
   * Sends one message of the stream: `fields`, then seq, wseq and tock (python's order).
   * Synchronous when the window and the socket have room, so a stream's `start` goes out
   * before the next request is read, as in python.
   */
  send(fields: ValueObject): Promise<void> {
    if (this.isCancelled) return Promise.reject(new Cancelled('stopped'));
    const msg: ValueObject = { ...fields, seq: this.seq };
    if (this.window) {
      const n = this.window.tryTake();
      if (n === undefined) return this.sendLater(msg);
      msg.wseq = n;
    }
    if (!this.conn.channel.writable) return this.sendLater(msg, true);
    this.conn.send(msg);
    return Promise.resolve();
  }

  private async sendLater(msg: ValueObject, haveSeq = false): Promise<void> {
    if (this.window && !haveSeq) msg.wseq = await this.window.next();
    if (!this.conn.channel.writable) await this.conn.channel.drained();
    if (this.isCancelled) throw new Cancelled('stopped');
    this.conn.send(msg);
  }

  async run(body: () => Promise<void>): Promise<void> {
    try {
      await this.send({ state: 'start' });
      await body();
    } catch (e) {
      if (!(e instanceof Cancelled) && !this.conn.closed) {
        if (!(e instanceof RequestError || (e instanceof Error && /^(ClientError|DecodeError|WatchOverflowError)$/.test(e.name))))
          this.conn.log.warn('stream failed', { conn: this.conn.id, seq: this.seq, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        this.sendFinal({ error: errRepr(e) });
      }
    } finally {
      if (!this.isCancelled) this.onFinished?.();
      // python sends `end` also after a stop; it does not wait for the window here
      this.sendFinal({ state: 'end' });
    }
  }

  private sendFinal(fields: ValueObject): void {
    if (this.conn.closed) return;
    const msg: ValueObject = { ...fields, seq: this.seq };
    if (this.window) msg.wseq = this.window.take();
    this.conn.safeSend(msg);
  }
}

export function errText(e: unknown): string {
  if (e instanceof DecodeError || e instanceof Error) return e.message;
  return String(e);
}

/** python `repr(exc)` as StreamCommand sends it: `ClassName('message')`. */
export function errRepr(e: unknown): string {
  const name = e instanceof Error ? (e.name === 'RequestError' ? 'ClientError' : e.name) : 'Error';
  return `${name}(${JSON.stringify(errText(e)).replace(/^"|"$/g, "'")})`;
}

// One RPC client connection, handled as ipc.go's handleClient does: requests are read and
// evaluated one at a time (a slow join/leave/key operation holds the next request back), while
// streams (events, logs, query responses) push records under their request's Seq in between.
// A request that cannot be decoded, an unknown command or a missing handshake ends the
// connection, as in Go.
import { DecodeError } from '../../gossip/decode-error.js';
import type { GoValue } from '../../gossip/msgpack-go.js';
import type { Stream } from '../../gossip/runtime.js';
import { SubLogger } from '../../gossip/runtime.js';
import type { IncomingQuery } from '../../gossip/serf/query.js';
import type { Serf } from '../../gossip/serf/serf.js';
import { COMMANDS } from './commands.js';
import { ValueReader } from './framing.js';
import type { LogTap } from './log-tap.js';
import { decodeRequestHeader, encodeResponse, RpcError, type Seq } from './protocol.js';

/** What the RPC server drives: the agent's Serf and the agent-level parts around it. */
export interface RpcBackend {
  readonly serf: Serf;
  /** Source of `monitor` lines; without it monitors get nothing. */
  readonly logs?: LogTap;
  /** Clients must `auth` with this key first (serf agent -rpc-auth). */
  readonly authKey?: string;
  /** Turns a join address into what memberlist takes (IP literal); default: as given. */
  resolveJoin?(addr: string): Promise<string>;
  /** The agent's shutdown, run after a `leave` RPC was answered (the process should exit). */
  shutdown(): Promise<void>;
  /** For stats: script -> filter text of the agent's event handlers. */
  eventHandlers?(): ReadonlyMap<string, string>;
  /** Persists tags after a `tags` RPC (serf's -tags-file); optional. */
  saveTags?(tags: ReadonlyMap<string, string>): void;
}

/** Records queued for a slow client before further ones are dropped. */
export const MAX_BACKLOG = 512;

/** Ends the connection (after whatever reply was already sent). */
export class CloseConnection extends Error {}

export class RpcConnection {
  version = 0;
  didAuth = false;
  /** Seq of the log monitor and its deregistration. */
  monitor: { seq: Seq; stop: () => void } | undefined;
  readonly eventStreams = new Map<string, () => void>();
  readonly pendingQueries = new Map<string, IncomingQuery>();
  private queryId = 0;
  private readonly reader = new ValueReader();
  private closed = false;
  /** Stream records written since the socket last refused more (Go's 512-event channel). */
  private backlog = 0;
  private dropped = 0;
  readonly log: SubLogger;

  constructor(
    readonly backend: RpcBackend,
    readonly stream: Stream,
  ) {
    this.log = new SubLogger(backend.serf.rt.logger, 'agent.ipc');
    stream.onData((b) => this.reader.push(b));
    stream.onDrain(() => {
      this.backlog = 0;
      if (this.dropped > 0) this.log.warn(`Dropped ${this.dropped} records to ${this.name}`);
      this.dropped = 0;
    });
    stream.onClose(() => {
      this.reader.end();
      this.cleanup();
    });
  }

  get name(): string {
    return `${this.stream.remote.host}:${this.stream.remote.port}`;
  }

  get isClosed(): boolean {
    return this.closed || this.stream.closed;
  }

  /** Sends a header and optional body; a no-op once the connection is gone. */
  send(seq: Seq, error: string, body?: GoValue): void {
    if (this.isClosed) return;
    this.stream.write(encodeResponse(seq, error, body));
  }

  /**
   * A stream record (event, log line, query response): like send, but a client that stopped
   * reading loses records beyond MAX_BACKLOG instead of growing our memory, as Go drops events
   * beyond its per-stream channel.
   */
  sendRecord(seq: Seq, body: GoValue): void {
    if (this.isClosed) return;
    if (this.backlog >= MAX_BACKLOG) {
      this.dropped++;
      return;
    }
    if (!this.stream.write(encodeResponse(seq, '', body)) || this.backlog > 0) this.backlog++;
  }

  /** The request body (a decode failure ends the connection, as Go's "decode failed"). */
  async body(): Promise<GoValue> {
    const v = await this.reader.next();
    if (v === undefined) throw new CloseConnection('connection closed before the request body');
    return v;
  }

  nextQueryId(): number {
    return ++this.queryId;
  }

  /** Reads and evaluates requests until the client goes away or breaks the protocol. */
  async run(): Promise<void> {
    try {
      for (;;) {
        const raw = await this.reader.next();
        if (raw === undefined) return;
        const header = decodeRequestHeader(raw);
        await this.handle(header.command, header.seq);
      }
    } catch (e) {
      if (e instanceof DecodeError) this.log.error('failed to decode request', { client: this.name, error: e.message });
      else if (e instanceof CloseConnection) {
        if (e.message) this.log.error('Failed to evaluate request', { client: this.name, error: e.message });
      } else this.log.error('request failed', { client: this.name, error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.close();
    }
  }

  private async handle(command: string, seq: Seq): Promise<void> {
    if (command !== 'handshake' && this.version === 0) {
      this.send(seq, RpcError.handshakeRequired);
      throw new CloseConnection(RpcError.handshakeRequired);
    }
    const authKey = this.backend.authKey ?? '';
    if (authKey !== '' && !this.didAuth && command !== 'auth' && command !== 'handshake') {
      this.log.warn('Client sending commands before auth', { client: this.name });
      this.send(seq, RpcError.authRequired);
      return;
    }
    const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!handler) {
      this.send(seq, RpcError.unsupportedCommand);
      throw new CloseConnection(`command '${command}' not recognized`);
    }
    await handler(this, seq);
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.stream.end();
    }
    this.cleanup();
  }

  private cleanup(): void {
    this.monitor?.stop();
    this.monitor = undefined;
    for (const stop of this.eventStreams.values()) stop();
    this.eventStreams.clear();
    this.pendingQueries.clear();
  }
}

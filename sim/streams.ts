// Simulated TCP: connect with a handshake over the links (refused when nobody listens, timed out
// when a partition eats the SYN), ordered delivery with link latency (a lost segment costs a
// retransmission delay, never data), FIN/RST, and breaking when a partition cuts an open
// connection or a host crashes.
import { addrKey, TransportError, type Addr, type Millis, type Stream, type StreamTransport } from '../gossip/runtime.js';
import type { SimHost } from './host.js';
import { STREAM_RETRANSMIT_MS } from './links.js';
import type { SimNetwork } from './network.js';
import { TraceKind } from './trace.js';

/** TCP's initial SYN retransmission timeout: what a lost SYN costs the connect. */
const SYN_RETRANSMIT_MS = 1000;
/** Bytes in flight on one direction beyond which write() asks the caller to wait for drain. */
const HIGH_WATER = 256 * 1024;

const enum Seg {
  Data,
  Fin,
  Rst,
}

interface Conn {
  client: SimStreamEnd;
  server: SimStreamEnd;
  established: boolean;
}

export class SimStreamEnd implements Stream {
  peer!: SimStreamEnd;
  conn!: Conn;
  closed = false;
  private ended = false;
  private dataHandler: ((bytes: Uint8Array) => void) | undefined;
  private drainHandler: (() => void) | undefined;
  private closeHandler: ((err?: TransportError) => void) | undefined;
  private early: Uint8Array[] = [];
  /** Set once closed until the close handler has been told. */
  private closeOutcome: { err?: TransportError } | undefined;
  /** Arrival time of the last segment we sent: later ones never overtake it. */
  lastArrival: Millis = 0;
  private inflight = 0;
  private needDrain = false;

  constructor(
    private readonly hub: StreamHub,
    readonly host: SimHost,
    readonly epoch: number,
    readonly local: Addr,
    readonly remote: Addr,
  ) {}

  write(bytes: Uint8Array): boolean {
    this.hub.net.scheduler.activity++;
    // Writing to a finished stream is a no-op, as it is for a destroyed Node socket.
    if (this.closed || this.ended || this.host.epoch !== this.epoch) return false;
    if (bytes.length === 0) return true;
    this.inflight += bytes.length;
    this.send(Seg.Data, bytes.slice());
    if (this.inflight > HIGH_WATER) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  onData(handler: (bytes: Uint8Array) => void): void {
    this.dataHandler = handler;
    if (this.early.length) {
      const early = this.early;
      this.early = [];
      for (const b of early) handler(b);
    }
  }

  onDrain(handler: () => void): void {
    this.drainHandler = handler;
  }

  onClose(handler: (err?: TransportError) => void): void {
    this.closeHandler = handler;
    if (this.closeOutcome) this.host.after(0, () => this.tellClosed(), true);
  }

  end(): void {
    this.hub.net.scheduler.activity++;
    if (this.closed || this.ended) return;
    this.ended = true;
    this.send(Seg.Fin);
  }

  destroy(err?: TransportError): void {
    this.hub.net.scheduler.activity++;
    if (this.closed) return;
    if (!this.peer.closed) this.send(Seg.Rst);
    this.finish(err, false);
  }

  /** Queues one segment to the peer, after every segment sent before it. */
  private send(seg: Seg, bytes?: Uint8Array): void {
    const net = this.hub.net;
    const from = this.host;
    const to = this.peer.host;
    const link = net.links.get(from.index, to.index);
    let d = net.links.delay(link, from.netRandom);
    if (link.loss > 0 && from.netRandom.next() < link.loss) d += STREAM_RETRANSMIT_MS;
    const now = net.scheduler.now();
    const at = Math.max(now + d, this.lastArrival);
    this.lastArrival = at;
    const peer = this.peer;
    net.scheduler.at(at, to.gate(peer.epoch, () => peer.receive(seg, bytes), true));
  }

  private receive(seg: Seg, bytes: Uint8Array | undefined): void {
    if (this.closed) return;
    const net = this.hub.net;
    // In flight when a partition cut the link: lost with it (breakCut resets both ends).
    if (net.links.isCut(this.peer.host.index, this.host.index)) return;
    if (seg === Seg.Data) {
      const b = bytes!;
      net.stats.streams.bytes += b.length;
      net.trace.record(TraceKind.StreamData, net.scheduler.now(), this.peer.host.index, this.host.index, b);
      this.peer.acked(b.length);
      if (this.dataHandler) this.dataHandler(b);
      else this.early.push(b);
    } else if (seg === Seg.Fin) {
      // Like a Node socket without allowHalfOpen: the peer's end ends ours too.
      if (!this.ended) {
        this.ended = true;
        this.send(Seg.Fin);
      }
      this.finish(undefined, true);
    } else {
      net.stats.streams.reset++;
      this.finish(new TransportError('reset', `stream ${addrKey(this.local)} <- ${addrKey(this.remote)} reset by peer`), true);
    }
  }

  private acked(n: number): void {
    this.inflight -= n;
    if (this.needDrain && this.inflight <= HIGH_WATER / 2 && !this.closed) {
      this.needDrain = false;
      this.host.after(
        0,
        () => {
          if (!this.closed) this.drainHandler?.();
        },
        true,
      );
    }
  }

  /** Closes this end; the close handler runs now (inside an event) or as the next event. */
  finish(err: TransportError | undefined, now: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.closeOutcome = { err };
    const net = this.hub.net;
    net.trace.record(TraceKind.StreamClose, net.scheduler.now(), this.host.index, this.peer.host.index, undefined, err ? 1 : 0);
    this.hub.maybeForget(this.conn);
    if (now) this.tellClosed();
    else this.host.after(0, () => this.tellClosed(), true);
  }

  private tellClosed(): void {
    const outcome = this.closeOutcome;
    const h = this.closeHandler;
    if (!outcome || !h) return;
    this.closeOutcome = undefined;
    if (outcome.err) h(outcome.err);
    else h();
  }

  /** The host died: this end vanishes without a word. */
  vanish(): void {
    this.closed = true;
    this.closeOutcome = undefined;
    this.hub.maybeForget(this.conn);
  }
}

export class SimStreamTransport implements StreamTransport {
  handler: ((s: Stream) => void) | undefined;
  closed = false;
  /** The port it listens on (the host's own port, or another one: a DistKV client port). */
  readonly port: number;
  constructor(
    private readonly hub: StreamHub,
    readonly host: SimHost,
    readonly epoch: number,
    port?: number,
  ) {
    this.port = port ?? host.addr.port;
  }
  localAddr(): Addr {
    return this.port === this.host.addr.port ? this.host.addr : { host: this.host.addr.host, port: this.port };
  }
  connect(to: Addr, timeoutMs: Millis): Promise<Stream> {
    return this.hub.connect(this, to, timeoutMs);
  }
  onStream(handler: (s: Stream) => void): void {
    this.handler = handler;
  }
  close(): Promise<void> {
    this.closed = true;
    this.handler = undefined;
    return Promise.resolve();
  }
}

export class StreamHub {
  /** Each host's current stream transports (its listeners), by port. */
  private readonly transports = new Map<SimHost, Map<number, SimStreamTransport>>();
  private readonly conns = new Set<Conn>();

  constructor(readonly net: SimNetwork) {
    net.streams = this;
  }

  /** Makes `t` the host's listener on its port (replacing an earlier life's). */
  register(t: SimStreamTransport): void {
    let ports = this.transports.get(t.host);
    if (!ports) this.transports.set(t.host, (ports = new Map()));
    ports.set(t.port, t);
  }

  /** Closes every listener of the host (it went down). */
  closeAll(host: SimHost): void {
    for (const t of this.transports.get(host)?.values() ?? []) t.closed = true;
  }

  maybeForget(c: Conn): void {
    if (c.client.closed && c.server.closed) this.conns.delete(c);
  }

  get openCount(): number {
    return this.conns.size;
  }

  connect(t: SimStreamTransport, to: Addr, timeoutMs: Millis): Promise<Stream> {
    const net = this.net;
    const sched = net.scheduler;
    sched.activity++;
    const from = t.host;
    const epoch = t.epoch;
    if (t.closed || from.epoch !== epoch) return Promise.reject(new TransportError('closed', 'stream transport closed'));
    return new Promise<Stream>((resolve, reject) => {
      let settled = false;
      const fail = (err: TransportError): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        reject(err);
      };
      const timer = from.after(timeoutMs, () => {
        if (settled) return;
        net.stats.streams.timedOut++;
        net.trace.record(TraceKind.StreamRefused, sched.now(), from.index, dst?.index ?? 0, undefined, 1);
        fail(new TransportError('timeout', `connect to ${addrKey(to)} timed out after ${timeoutMs} ms`));
      });
      const refuse = (): void => {
        if (settled) return;
        net.stats.streams.refused++;
        net.trace.record(TraceKind.StreamRefused, sched.now(), from.index, dst?.index ?? 0, undefined, 0);
        fail(new TransportError('refused', `connect to ${addrKey(to)} refused`));
      };
      // a host whose address matches: a port nobody listens on is refused by its kernel
      const dst = net.hostByIp(to.host);
      const links = net.links;
      if (dst === undefined) {
        // Nobody owns the address: the loopback stack answers with a RST right away.
        from.after(2 * links.defaults.latencyMs, refuse);
        return;
      }
      const r = from.netRandom;
      const out = links.get(from.index, dst.index);
      let synDelay = links.delay(out, r);
      if (out.loss > 0 && r.next() < out.loss) synDelay += SYN_RETRANSMIT_MS;
      // The SYN is answered by the destination's kernel: neither its pause nor its life gates it.
      sched.at(sched.now() + synDelay, () => {
        if (settled || links.isCut(from.index, dst.index)) return;
        const back = links.delay(links.get(dst.index, from.index), dst.netRandom);
        const listener = this.transports.get(dst)?.get(to.port);
        if (!dst.up || listener === undefined || listener.closed || listener.handler === undefined) {
          if (!links.isCut(dst.index, from.index)) sched.at(sched.now() + back, from.gate(epoch, refuse, true));
          return;
        }
        if (links.isCut(dst.index, from.index)) return;
        const clientAddr = { host: from.addr.host, port: from.ephemeralPort() };
        const serverAddr = listener.localAddr();
        const client = new SimStreamEnd(this, from, epoch, clientAddr, serverAddr);
        const server = new SimStreamEnd(this, dst, listener.epoch, serverAddr, clientAddr);
        client.peer = server;
        server.peer = client;
        const conn: Conn = { client, server, established: false };
        client.conn = server.conn = conn;
        const synAckAt = sched.now() + back;
        // The server's process sees the connection once the client's ACK is in; the client's
        // first bytes arrive no earlier than that.
        const acceptAt = synAckAt + links.delay(links.get(from.index, dst.index), r);
        client.lastArrival = acceptAt;
        sched.at(
          synAckAt,
          from.gate(epoch, () => {
            if (settled) return;
            // The listening process died after its kernel answered: its RST follows the SYN-ACK.
            if (dst.epoch !== listener.epoch) return refuse();
            settled = true;
            timer.cancel();
            conn.established = true;
            this.conns.add(conn);
            net.stats.streams.opened++;
            net.trace.record(TraceKind.StreamOpen, sched.now(), from.index, dst.index);
            resolve(client);
          }, true),
        );
        sched.at(
          acceptAt,
          dst.gate(listener.epoch, () => {
            if (!conn.established || server.closed) return;
            const h = listener.closed ? undefined : listener.handler;
            if (h === undefined) server.destroy(new TransportError('closed', 'listener closed'));
            else h(server);
          }, true),
        );
      });
    });
  }

  /** Resets every open connection a partition now cuts (TCP needs both directions). */
  breakCut(): void {
    const links = this.net.links;
    for (const c of [...this.conns]) {
      const a = c.client.host.index;
      const b = c.server.host.index;
      if (!links.isCut(a, b) && !links.isCut(b, a)) continue;
      for (const end of [c.client, c.server]) {
        if (end.closed) continue;
        this.net.stats.streams.reset++;
        end.host.after(0, () => end.finish(new TransportError('reset', `stream to ${addrKey(end.remote)} cut by partition`), true), true);
      }
    }
  }

  /** A host crashed: its ends vanish, their peers get a reset after a one-way delay. */
  hostDown(host: SimHost): void {
    for (const c of [...this.conns]) {
      const mine = c.client.host === host ? c.client : c.server.host === host ? c.server : undefined;
      if (!mine) continue;
      const peer = mine.peer;
      mine.vanish();
      if (peer.closed) continue;
      const links = this.net.links;
      const d = links.delay(links.get(host.index, peer.host.index), host.netRandom);
      this.net.stats.streams.reset++;
      this.net.scheduler.at(
        this.net.scheduler.now() + d,
        peer.host.gate(peer.epoch, () => peer.finish(new TransportError('reset', `peer ${addrKey(peer.remote)} crashed`), true), true),
      );
    }
    this.transports.delete(host);
  }
}

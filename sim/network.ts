// The simulated network: hosts by address, datagram delivery with per-link delay, loss,
// duplication and reordering, partitions, and the counters and trace every run reports.
// Streams (streams.ts) ride on the same links and partitions.
import type { Addr, PacketTransport } from '../gossip/runtime.js';
import { SimHost } from './host.js';
import { LinkTable, type LinkConfig } from './links.js';
import type { SeededRandom } from './prng.js';
import type { Scheduler } from './scheduler.js';
import { Trace, TraceKind } from './trace.js';
import type { StreamHub } from './streams.js';

/** Largest datagram the simulated network carries (IPv4 UDP payload limit). */
export const MAX_DATAGRAM = 65507;

export type DropReason = 'loss' | 'partition' | 'down' | 'no-route' | 'too-big' | 'no-handler';

export interface NetStats {
  sent: number;
  delivered: number;
  duplicated: number;
  reordered: number;
  bytesSent: number;
  bytesDelivered: number;
  dropped: Record<DropReason, number>;
  streams: { opened: number; refused: number; timedOut: number; reset: number; bytes: number };
}

function emptyStats(): NetStats {
  return {
    sent: 0,
    delivered: 0,
    duplicated: 0,
    reordered: 0,
    bytesSent: 0,
    bytesDelivered: 0,
    dropped: { loss: 0, partition: 0, down: 0, 'no-route': 0, 'too-big': 0, 'no-handler': 0 },
    streams: { opened: 0, refused: 0, timedOut: 0, reset: 0, bytes: 0 },
  };
}

export function totalDropped(s: NetStats): number {
  let n = 0;
  for (const v of Object.values(s.dropped)) n += v;
  return n;
}

export class SimPacketTransport implements PacketTransport {
  closed = false;
  constructor(
    private readonly net: SimNetwork,
    readonly host: SimHost,
    readonly epoch: number,
  ) {}
  localAddr(): Addr {
    return this.host.addr;
  }
  sendTo(to: Addr, bytes: Uint8Array): void {
    if (this.closed || this.host.epoch !== this.epoch) return;
    this.net.sendPacket(this.host, to, bytes);
  }
  onPacket(handler: (from: Addr, bytes: Uint8Array) => void): void {
    if (this.closed || this.host.epoch !== this.epoch) return;
    this.host.packetHandler = handler;
  }
  close(): Promise<void> {
    if (!this.closed && this.host.epoch === this.epoch) this.host.packetHandler = undefined;
    this.closed = true;
    return Promise.resolve();
  }
}

export class SimNetwork {
  readonly links: LinkTable;
  readonly trace: Trace;
  stats: NetStats = emptyStats();
  private readonly hostsByName = new Map<string, SimHost>();
  private readonly hostsByIp = new Map<string, SimHost>();
  readonly hosts: SimHost[] = [];
  streams!: StreamHub;
  private generation = 0;

  constructor(
    readonly scheduler: Scheduler,
    private readonly random: SeededRandom,
    opts: { link?: Partial<LinkConfig>; keepTraceLines?: boolean; port?: number } = {},
  ) {
    this.links = new LinkTable(opts.link);
    this.trace = new Trace({ keepLines: opts.keepTraceLines });
    this.port = opts.port ?? 7946;
  }
  private readonly port: number;

  /** Registers a host named `name` at the next free loopback address (127.0.0.1, .2, ...). */
  addHost(name: string): SimHost {
    if (this.hostsByName.has(name)) throw new Error(`host ${name} exists`);
    const index = this.hosts.length + 1;
    if (index >= 1 << 20) throw new Error('too many hosts');
    const ip = `127.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
    const host = new SimHost(name, index, { host: ip, port: this.port }, this.random.fork(`net/${name}`), this.scheduler);
    this.hosts.push(host);
    this.hostsByName.set(name, host);
    this.hostsByIp.set(ip, host);
    return host;
  }

  host(name: string): SimHost {
    const h = this.hostsByName.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** The host with this IP, whatever the port (streams: several listeners per host). */
  hostByIp(ip: string): SimHost | undefined {
    return this.hostsByIp.get(ip);
  }

  hostAt(addr: Addr): SimHost | undefined {
    const h = this.hostsByIp.get(addr.host);
    return h !== undefined && h.addr.port === addr.port ? h : undefined;
  }

  private drop(reason: DropReason, from: SimHost, to: number, bytes: Uint8Array): void {
    this.stats.dropped[reason]++;
    this.trace.record(TraceKind.PacketDrop, this.scheduler.now(), from.index, to, bytes, reason.length);
  }

  sendPacket(from: SimHost, to: Addr, bytes: Uint8Array): void {
    const sched = this.scheduler;
    sched.activity++;
    const st = this.stats;
    st.sent++;
    st.bytesSent += bytes.length;
    const dst = this.hostAt(to);
    if (dst === undefined) return this.drop('no-route', from, 0, bytes);
    if (bytes.length > MAX_DATAGRAM) return this.drop('too-big', from, dst.index, bytes);
    const links = this.links;
    if (links.isCut(from.index, dst.index)) return this.drop('partition', from, dst.index, bytes);
    const link = links.get(from.index, dst.index);
    const r = from.netRandom;
    if (link.loss > 0 && r.next() < link.loss) return this.drop('loss', from, dst.index, bytes);
    // The sender may reuse its buffer once sendTo returns, as with a real socket.
    const copy = bytes.slice();
    const now = sched.now();
    let d = links.delay(link, r);
    if (link.reorder > 0 && r.next() < link.reorder) {
      st.reordered++;
      d += r.next() * link.reorderDelayMs;
    }
    sched.at(now + d, () => this.deliver(from, dst, copy));
    if (link.duplicate > 0 && r.next() < link.duplicate) {
      st.duplicated++;
      sched.at(now + links.delay(link, r), () => this.deliver(from, dst, copy));
    }
  }

  private deliver(from: SimHost, dst: SimHost, bytes: Uint8Array): void {
    // A partition raised while the datagram was in flight catches it too.
    if (this.links.isCut(from.index, dst.index)) return this.drop('partition', from, dst.index, bytes);
    if (!dst.up) return this.drop('down', from, dst.index, bytes);
    if (dst.paused) {
      dst.gate(dst.epoch, () => this.deliver(from, dst, bytes), true)();
      return;
    }
    const handler = dst.packetHandler;
    if (handler === undefined) return this.drop('no-handler', from, dst.index, bytes);
    this.stats.delivered++;
    this.stats.bytesDelivered += bytes.length;
    this.trace.record(TraceKind.Packet, this.scheduler.now(), from.index, dst.index, bytes);
    handler(from.addr, bytes);
  }

  /** Cuts traffic from every host in `a` to every host in `b` (and back unless oneWay). */
  partition(a: SimHost[], b: SimHost[], oneWay = false): () => void {
    const pairs: [number, number][] = [];
    for (const x of a)
      for (const y of b) {
        if (x === y) continue;
        pairs.push([x.index, y.index]);
        if (!oneWay) pairs.push([y.index, x.index]);
      }
    for (const [f, t] of pairs) this.links.cutPair(f, t);
    this.trace.record(TraceKind.Fault, this.scheduler.now(), a[0]?.index ?? 0, b[0]?.index ?? 0, undefined, oneWay ? 1 : 2);
    this.streams.breakCut();
    let healed = false;
    const generation = this.generation;
    return () => {
      if (healed || generation !== this.generation) return;
      healed = true;
      for (const [f, t] of pairs) this.links.uncutPair(f, t);
      this.trace.record(TraceKind.Fault, this.scheduler.now(), a[0]?.index ?? 0, b[0]?.index ?? 0, undefined, 3);
    };
  }

  healAll(): void {
    // Heal handles of earlier partitions must not undo partitions raised after this.
    this.generation++;
    this.links.healAll();
    this.trace.record(TraceKind.Fault, this.scheduler.now(), 0, 0, undefined, 4);
  }
}

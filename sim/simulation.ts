// The simulator's public face: a seeded world of named nodes running real protocol code over
// the simulated clock and network. Faults (partition, loss, crash, pause...) are methods here;
// scenarios (scenario.ts) are data that call them at given virtual times.
import type { Addr, Logger, NodeRuntime, StreamTransport } from '../gossip/runtime.js';
import { NodeClock, type SimHost } from './host.js';
import type { LinkConfig } from './links.js';
import { MemoryLog, type MemoryLogOptions } from './logger.js';
import { SimNetwork, SimPacketTransport, totalDropped, type NetStats } from './network.js';
import { seededRandom, type SeededRandom } from './prng.js';
import { Scheduler } from './scheduler.js';
import { SimStreamTransport, StreamHub } from './streams.js';
import { TraceKind } from './trace.js';

/** What the simulator needs from a node it runs. */
export interface SimNode {
  /** Graceful shutdown (leave the cluster...). Not called on crash: a crash gives no warning. */
  stop(): void | Promise<void>;
}

/** The runtime a node gets: the seams plus who it is and who else exists. */
export interface SimRuntime extends NodeRuntime {
  readonly name: string;
  /** The node's small stable number (1, 2, ... in definition order). */
  readonly index: number;
  /** 0 for the first start, then 1, 2... for each restart. */
  readonly life: number;
  /** Its packet/stream address (same host:port for both, as memberlist uses them). */
  readonly addr: Addr;
  /** Addresses of every other node defined in the simulation (up or not), in definition order. */
  peers(): Addr[];
  /** Address of a node by name (for join seeds). */
  addrOf(name: string): Addr;
  /**
   * The node's disk: survives crash and restart (restart "from a snapshot"), unlike everything
   * else; `wipe(name)` empties it. Writes are durable at once (no torn writes modelled).
   */
  readonly disk: Map<string, Uint8Array>;
  /**
   * Listens for streams on another port of the node's address (a DistKV client port beside the
   * gossip port); closed with the node's life like `streams`.
   */
  listen(port: number): StreamTransport;
}

export type NodeFactory<N extends SimNode = SimNode> = (rt: SimRuntime) => N | Promise<N>;

export interface SimulationOptions {
  /** Master seed: every random stream (per node, per concern, per link) derives from it. */
  seed: string | number;
  /** Default link behaviour (latency, jitter, loss, duplication, reordering). */
  link?: Partial<LinkConfig>;
  log?: MemoryLogOptions;
  /** Keep a readable line per trace record (for diffing two runs that diverged). */
  traceLines?: boolean;
  /** Port every node listens on (default 7946). */
  port?: number;
  /** See Scheduler.quietTicks. */
  quietTicks?: number;
}

export interface SimStats extends NetStats {
  virtualMs: number;
  events: number;
  nodesUp: number;
  droppedTotal: number;
}

interface Slot<N extends SimNode> {
  host: SimHost;
  factory: NodeFactory<N>;
  node: N | undefined;
  disk: Map<string, Uint8Array>;
  packets: SimPacketTransport | undefined;
  streams: SimStreamTransport | undefined;
}

export class Simulation<N extends SimNode = SimNode> {
  readonly scheduler: Scheduler;
  readonly net: SimNetwork;
  readonly log: MemoryLog;
  readonly random: SeededRandom;
  private readonly hub: StreamHub;
  private readonly slots = new Map<string, Slot<N>>();
  private readonly order: string[] = [];
  private pauseTimers = new Map<string, { cancel(): void }>();
  /** Promises start()/stop() wait for outside a run (see drive). */
  private undriven = 0;

  constructor(opts: SimulationOptions) {
    this.scheduler = new Scheduler({ quietTicks: opts.quietTicks });
    this.random = seededRandom(opts.seed);
    this.net = new SimNetwork(this.scheduler, this.random.fork('network'), {
      link: opts.link,
      keepTraceLines: opts.traceLines,
      port: opts.port,
    });
    this.hub = new StreamHub(this.net);
    this.log = new MemoryLog(this.scheduler, opts.log);
  }

  now(): number {
    return this.scheduler.now();
  }

  /** Registers a node without starting it (its address exists, nothing answers there). */
  define(name: string, factory: NodeFactory<N>): Addr {
    const host = this.net.addHost(name);
    this.slots.set(name, { host, factory, node: undefined, disk: new Map(), packets: undefined, streams: undefined });
    this.order.push(name);
    return host.addr;
  }

  /** Defines and starts a node. */
  async addNode(name: string, factory: NodeFactory<N>): Promise<N> {
    this.define(name, factory);
    return this.start(name);
  }

  private slot(name: string): Slot<N> {
    const s = this.slots.get(name);
    if (!s) throw new Error(`no node ${name}`);
    return s;
  }

  names(): string[] {
    return [...this.order];
  }

  isUp(name: string): boolean {
    return this.slot(name).host.up;
  }

  upNames(): string[] {
    return this.order.filter((n) => this.slots.get(n)!.host.up);
  }

  /** The running node object (undefined while down). */
  node(name: string): N | undefined {
    return this.slot(name).node;
  }

  addrOf(name: string): Addr {
    return this.slot(name).host.addr;
  }

  logger(name: string): Logger {
    return this.log.forNode(name);
  }

  /** Starts (or restarts after crash/stop) a node: its factory gets fresh runtime objects. */
  async start(name: string): Promise<N> {
    const s = this.slot(name);
    if (s.host.up) throw new Error(`node ${name} is already up`);
    const host = s.host;
    const epoch = host.boot();
    const life = host.lives - 1;
    const packets = new SimPacketTransport(this.net, host, epoch);
    const streams = new SimStreamTransport(this.hub, host, epoch);
    s.packets = packets;
    s.streams = streams;
    this.hub.register(streams);
    const random = life === 0 ? this.random.fork(`node/${name}`) : this.random.fork(`node/${name}#${life}`);
    const rt: SimRuntime = {
      name,
      index: host.index,
      life,
      addr: host.addr,
      clock: new NodeClock(this.scheduler, host, epoch),
      random,
      logger: this.log.forNode(name),
      packets,
      streams,
      peers: () => this.order.filter((n) => n !== name).map((n) => this.slots.get(n)!.host.addr),
      addrOf: (n) => this.addrOf(n),
      disk: s.disk,
      listen: (port) => {
        if (port === host.addr.port) throw new Error(`${name} already listens on ${port} (rt.streams)`);
        const t = new SimStreamTransport(this.hub, host, epoch, port);
        // a factory's listener of a life that already ended stays closed
        if (host.epoch === epoch) this.hub.register(t);
        else t.closed = true;
        return t;
      },
    };
    this.net.trace.recordText(this.now(), `start ${name} ${life}`);
    let made: N | Promise<N>;
    try {
      made = s.factory(rt);
      // A synchronous factory's node is in place before anything else runs.
      if (!isThenable(made)) {
        s.node = made;
        return made;
      }
      const node = await this.drive(Promise.resolve(made), `${name}'s factory`);
      // A crash while the factory was still working wins.
      if (host.epoch === epoch) s.node = node;
      return node;
    } catch (e) {
      if (host.epoch === epoch) this.goDown(s);
      throw e;
    }
  }

  /**
   * Awaits `p`, which may need virtual time to pass (a factory that waits for a join, a stop()
   * that waits for its leave to spread). Called from inside a run, the run drives the clock;
   * called from outside, this runs the scheduler until `p` settles.
   */
  private async drive<T>(p: Promise<T>, what: string): Promise<T> {
    let settled = false;
    const watched = p.finally(() => {
      settled = true;
      this.undriven--;
    });
    this.undriven++;
    // Swallowed here only; the caller gets the rejection from `watched` below.
    watched.catch(() => {});
    // Someone already drives the clock: a run (we are inside an event) or another drive (then
    // it keeps going until every driven promise, ours included, has settled).
    if (this.scheduler.isRunning) return watched;
    await this.scheduler.run(Infinity, { stopWhen: () => this.undriven === 0 });
    if (!settled) throw new Error(`${what} never finished: nothing was left to run`);
    return watched;
  }

  /** The process dies: timers, deliveries and open streams of this life are gone. */
  crash(name: string): void {
    const s = this.slot(name);
    if (!s.host.up) return;
    this.net.trace.recordText(this.now(), `crash ${name}`);
    this.goDown(s);
  }

  private goDown(s: Slot<N>): void {
    s.host.kill();
    s.packets!.closed = true;
    s.streams!.closed = true;
    s.host.packetHandler = undefined;
    this.hub.closeAll(s.host);
    this.hub.hostDown(s.host);
    s.node = undefined;
    this.pauseTimers.get(s.host.name)?.cancel();
  }

  /** Empties a node's disk (a restart after this starts from nothing). */
  wipe(name: string): void {
    this.slot(name).disk.clear();
    this.net.trace.recordText(this.now(), `wipe ${name}`);
  }

  /** Crash, then start again with fresh state (its disk kept). */
  async restart(name: string): Promise<N> {
    this.crash(name);
    return this.start(name);
  }

  /** Graceful stop: the node's stop() runs (it may still talk), then the process exits. */
  async stop(name: string): Promise<void> {
    const s = this.slot(name);
    if (!s.host.up || !s.node) return;
    this.net.trace.recordText(this.now(), `stop ${name}`);
    const stopping = s.node.stop();
    if (isThenable(stopping)) await this.drive(Promise.resolve(stopping), `${name}'s stop()`);
    if (s.host.up) this.goDown(s);
  }

  /** Stalls the node's CPU: nothing of it runs until resume (or after `forMs`). */
  pause(name: string, forMs?: number): void {
    const s = this.slot(name);
    if (!s.host.up) return;
    this.net.trace.recordText(this.now(), `pause ${name}`);
    s.host.pause();
    this.pauseTimers.get(name)?.cancel();
    if (forMs !== undefined) this.pauseTimers.set(name, this.scheduler.setTimer(forMs, () => this.resume(name)));
  }

  resume(name: string): void {
    const s = this.slot(name);
    this.pauseTimers.get(name)?.cancel();
    this.pauseTimers.delete(name);
    if (!s.host.paused) return;
    this.net.trace.recordText(this.now(), `resume ${name}`);
    s.host.resume();
  }

  /**
   * Partitions the named groups from each other (every pair of groups). With oneWay, only
   * traffic from groups[0] to the other groups is cut. Returns a function that heals exactly this.
   */
  partition(groups: string[][], opts: { oneWay?: boolean } = {}): () => void {
    const hs = groups.map((g) => g.map((n) => this.slot(n).host));
    const heals: (() => void)[] = [];
    if (opts.oneWay) {
      for (let j = 1; j < hs.length; j++) heals.push(this.net.partition(hs[0]!, hs[j]!, true));
    } else {
      for (let i = 0; i < hs.length; i++) for (let j = i + 1; j < hs.length; j++) heals.push(this.net.partition(hs[i]!, hs[j]!));
    }
    return () => heals.forEach((h) => h());
  }

  /**
   * Whether `from` could talk to `to` now (both up, no partition either way): for in-process
   * shortcuts (a client session on another node's object) that must honour the faults.
   */
  reachable(from: string, to: string): boolean {
    const a = this.slot(from).host;
    const b = this.slot(to).host;
    return a.up && b.up && !this.net.links.isCut(a.index, b.index) && !this.net.links.isCut(b.index, a.index);
  }

  /** Lifts every partition. */
  heal(): void {
    this.net.healAll();
  }

  /** Changes the default link (all links without their own override). */
  setLink(c: Partial<LinkConfig>): void {
    this.net.links.setDefault(c);
    this.net.trace.recordText(this.now(), `link ${JSON.stringify(c)}`);
  }

  /** Overrides the links from each of `from` to each of `to` (both directions unless oneWay). */
  setLinkBetween(from: string[], to: string[], c: Partial<LinkConfig>, opts: { oneWay?: boolean } = {}): void {
    for (const a of from)
      for (const b of to) {
        if (a === b) continue;
        const x = this.slot(a).host.index;
        const y = this.slot(b).host.index;
        this.net.links.set(x, y, c);
        if (!opts.oneWay) this.net.links.set(y, x, c);
      }
    this.net.trace.recordText(this.now(), `link ${from.join(',')}->${to.join(',')} ${JSON.stringify(c)}`);
  }

  /**
   * Runs `fn` every `intervalMs` of virtual time, outside any node (invariant checks, probes of
   * global state). An exception fails the run. Returns a handle that stops it.
   */
  every(intervalMs: number, fn: () => void): { cancel(): void } {
    if (!(intervalMs > 0)) throw new RangeError('every: interval must be > 0');
    let timer = this.scheduler.setTimer(intervalMs, tick.bind(this));
    let cancelled = false;
    function tick(this: Simulation<N>): void {
      if (cancelled) return;
      fn();
      timer = this.scheduler.setTimer(intervalMs, tick.bind(this));
    }
    return {
      cancel: () => {
        cancelled = true;
        timer.cancel();
      },
    };
  }

  /** Folds an application-level event into the trace (e.g. "client wrote k=v"). */
  note(text: string): void {
    this.net.trace.recordText(this.now(), text);
  }

  /** Advances virtual time to `untilMs` (absolute), running everything due. */
  run(untilMs: number, opts?: { stopWhen?: () => boolean }): Promise<void> {
    return this.scheduler.run(untilMs, opts);
  }

  /** Advances virtual time by `ms`. */
  runFor(ms: number, opts?: { stopWhen?: () => boolean }): Promise<void> {
    return this.scheduler.run(this.now() + ms, opts);
  }

  /**
   * Runs until `cond()` holds (checked after every event) or `maxMs` of virtual time pass;
   * returns whether it held. The clock stops at the event that made it true.
   */
  async runUntil(cond: () => boolean, maxMs: number): Promise<boolean> {
    if (cond()) return true;
    let met = false;
    await this.scheduler.run(this.now() + maxMs, { stopWhen: () => (met = cond()) });
    return met;
  }

  /** Callback-only fast path (no promise continuations between events). */
  runSync(untilMs: number): void {
    this.scheduler.runSync(untilMs);
  }

  traceHash(): string {
    return this.net.trace.hex();
  }

  stats(): SimStats {
    const s = this.net.stats;
    return {
      ...s,
      dropped: { ...s.dropped },
      streams: { ...s.streams },
      virtualMs: this.now(),
      events: this.scheduler.steps,
      nodesUp: this.upNames().length,
      droppedTotal: totalDropped(s),
    };
  }
}

function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

export { TraceKind };

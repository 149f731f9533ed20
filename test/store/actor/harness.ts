// Test-only virtual clock, seeded random and in-memory broadcast bus for the actor tests.
// (sim/scheduler.ts had not landed when these were written; this is deliberately tiny.)
import { Packr } from 'msgpackr';
import type { Clock, Millis, Random, Timer } from '../../../gossip/runtime.js';
import { Actor, type ActorOptions } from '../../../store/actor/actor.js';
import type { ActorEvent } from '../../../store/actor/events.js';
import type { ActorConfig, ActorMessage, NodeName } from '../../../store/actor/messages.js';
import type { ActorTransport } from '../../../store/actor/transport.js';

interface Pending {
  time: Millis;
  seq: number;
  fn: (() => void) | null;
}

export class VirtualClock implements Clock {
  private queue: Pending[] = [];
  private seq = 0;
  private time: Millis = 0;

  now(): Millis {
    return this.time;
  }

  setTimer(ms: Millis, fn: () => void): Timer {
    const p: Pending = { time: this.time + Math.max(ms, 0), seq: this.seq++, fn };
    // Binary insertion keeps (time, seq) order, so equal times run in scheduling order.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = this.queue[mid]!;
      if (q.time < p.time || (q.time === p.time && q.seq < p.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, p);
    return { cancel: () => void (p.fn = null) };
  }

  /** Runs every event due up to `until` (absolute ms), then sets the clock there. */
  runUntil(until: Millis): void {
    for (;;) {
      const p = this.queue[0];
      if (p === undefined || p.time > until) break;
      this.queue.shift();
      if (p.fn === null) continue;
      this.time = p.time;
      const fn = p.fn;
      p.fn = null;
      fn();
    }
    this.time = Math.max(this.time, until);
  }

  runFor(ms: Millis): void {
    this.runUntil(this.time + ms);
  }
}

/** SplitMix32-style PRNG: deterministic per seed, with label forks. */
export class SeededRandom implements Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  private u32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  next(): number {
    return this.u32() / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [arr[i], arr[j]] = [arr[j]!, arr[i]!];
    }
    return arr;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
  fork(label: string): Random {
    let h = this.state ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new SeededRandom(h);
  }
}

/** Returns the scripted values first, then falls back to a seeded stream. */
export class ScriptedRandom extends SeededRandom {
  constructor(
    private readonly script: number[],
    seed = 1,
  ) {
    super(seed);
  }
  override next(): number {
    return this.script.length > 0 ? this.script.shift()! : super.next();
  }
}

// Python's msgpack packs maps with the smallest header; the round trip also proves messages
// survive encoding (arrays for tuples, no undefined).
export const packr = new Packr({ useRecords: false, variableMapSize: true });

export interface Sent {
  time: Millis;
  from: NodeName;
  msg: ActorMessage;
}

/** A broadcast channel with a fixed delivery delay (plus seeded jitter) and partitions. */
export class Bus {
  private readonly handlers = new Map<NodeName, (p: unknown) => void>();
  private group = new Map<NodeName, number>();
  readonly sent: Sent[] = [];
  /** Senders whose own messages are not echoed back to them (a broken transport). */
  readonly noEcho = new Set<NodeName>();

  constructor(
    private readonly clock: Clock,
    private readonly delay: Millis = 50,
    private readonly jitter: Millis = 0,
    private readonly random: Random = new SeededRandom(99),
  ) {}

  endpoint(name: NodeName): ActorTransport {
    return {
      send: (msg) => this.broadcast(name, msg),
      onMessage: (h) => void this.handlers.set(name, h),
    };
  }

  /** Puts each listed name in its own group; unlisted nodes share group 0. */
  partition(groups: NodeName[][]): void {
    this.group = new Map();
    groups.forEach((g, i) => g.forEach((n) => this.group.set(n, i + 1)));
  }

  heal(): void {
    this.group = new Map();
  }

  private broadcast(from: NodeName, msg: ActorMessage): void {
    this.sent.push({ time: this.clock.now(), from, msg });
    const bytes = packr.pack(msg);
    // Recipients are fixed on the next turn, so nodes started in one synchronous block all hear
    // each other's first messages (as Serf members present when an event is gossiped do).
    this.clock.setTimer(0, () => {
      const g = this.group.get(from) ?? 0;
      for (const [to, h] of [...this.handlers].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if ((this.group.get(to) ?? 0) !== g) continue;
        if (to === from && this.noEcho.has(from)) continue;
        const d = this.delay + (this.jitter > 0 ? this.random.next() * this.jitter : 0);
        this.clock.setTimer(d, () => h(packr.unpack(bytes)));
      }
    });
  }
}

export interface Logged {
  time: Millis;
  node: NodeName;
  e: ActorEvent;
}

export interface Cluster {
  clock: VirtualClock;
  bus: Bus;
  actors: Map<NodeName, Actor>;
  events: Logged[];
  add(name: NodeName, opts?: Partial<ActorOptions>): Actor;
}

export function cluster(seed: number, config: Partial<ActorConfig> = { cycle: 10, gap: 2 }, delay = 50, jitter = 0): Cluster {
  const clock = new VirtualClock();
  const root = new SeededRandom(seed);
  const bus = new Bus(clock, delay, jitter, root.fork('bus'));
  const actors = new Map<NodeName, Actor>();
  const events: Logged[] = [];
  return {
    clock,
    bus,
    actors,
    events,
    add(name, opts = {}) {
      const a = new Actor({
        transport: bus.endpoint(name),
        name,
        clock,
        random: root.fork(name),
        config,
        ...opts,
      });
      a.on((e) => events.push({ time: clock.now(), node: name, e }));
      actors.set(name, a);
      return a;
    },
  };
}

export function pingsIn(sent: readonly Sent[], from = 0, to = Infinity): Sent[] {
  // (Fuzz tests put arbitrary payloads on the bus, hence the guard.)
  return sent.filter((s) => typeof s.msg === 'object' && s.msg !== null && s.msg.t === 'ping' && s.time >= from && s.time < to);
}

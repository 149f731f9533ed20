// Small test seams for the replication tests.
import type { Clock, Millis, Timer } from '../../../gossip/runtime.js';

/** A clock that only moves when told; timers fire in order on advance(). */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: { at: Millis; seq: number; fn: () => void; dead: boolean }[] = [];
  now(): Millis {
    return this.t;
  }
  setTimer(ms: Millis, fn: () => void): Timer {
    const e = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, dead: false };
    this.timers.push(e);
    return { cancel: () => void (e.dead = true) };
  }
  /** Like advance, but lets promise continuations run after each timer (async protocol code). */
  async run(ms: Millis): Promise<void> {
    const end = this.t + ms;
    const flush = () => new Promise<void>((r) => setImmediate(r));
    await flush();
    for (let next = this.due(end); next; next = this.due(end)) {
      next.fn();
      await flush();
    }
    this.t = end;
  }

  advance(ms: Millis): void {
    const end = this.t + ms;
    for (let next = this.due(end); next; next = this.due(end)) next.fn();
    this.t = end;
  }

  /** The earliest live timer due by `end`, taken off the list with the clock moved to it. */
  private due(end: Millis): { at: Millis; fn: () => void } | undefined {
    this.timers = this.timers.filter((x) => !x.dead);
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = this.timers[0];
    if (!next || next.at > end) return undefined;
    this.timers.shift();
    this.t = next.at;
    return next;
  }
}

import type { Random } from '../../../gossip/runtime.js';
import type { EventBus } from '../../../store/replication/bus.js';

/** A seeded xorshift Random for unit tests. */
export function testRandom(seed = 1): Random {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const r: Random = {
    next,
    int: (n) => Math.floor(next() * n),
    shuffle<T>(a: T[]) {
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    },
    bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
    fork: (label) => testRandom(seed * 31 + label.length * 7 + label.charCodeAt(0)),
  };
  return r;
}

/** Buses on one shared medium: every event reaches every bus (ours too) on the next clock turn. */
export class LoopbackMedium {
  readonly sent: { from: string; name: string; payload: Uint8Array }[] = [];
  private readonly handlers = new Set<(name: string, payload: Uint8Array) => void>();
  constructor(private readonly clock: Clock) {}
  bus(from: string): EventBus {
    return {
      send: (name, payload) => {
        this.sent.push({ from, name, payload });
        this.clock.setTimer(0, () => this.handlers.forEach((h) => h(name, payload)));
        return true;
      },
      onEvent: (h) => {
        this.handlers.add(h);
        return () => this.handlers.delete(h);
      },
    };
  }
}

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
  advance(ms: Millis): void {
    const end = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((x) => !x.dead);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

// Virtual time: a binary min-heap of events keyed (time, seq). seq breaks ties in scheduling
// order, so the same program always runs its events in the same order; time jumps from event to
// event, so a quiet minute costs nothing. Cancelled timers stay in the heap until popped (cheaper
// than removal) and the heap is compacted when they dominate it.
import type { Clock, Millis, Timer } from '../gossip/runtime.js';

export class SimEvent implements Timer {
  constructor(
    readonly time: Millis,
    readonly seq: number,
    public fn: (() => void) | null,
    private readonly owner: Scheduler,
  ) {}
  cancel(): void {
    if (this.fn !== null) {
      this.fn = null;
      this.owner.cancelledInHeap++;
    }
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export interface RunOptions {
  /** Checked between events; the run stops (clock left at the last event) once it is true. */
  stopWhen?: () => boolean;
}

export class Scheduler implements Clock {
  private heap: SimEvent[] = [];
  private time: Millis = 0;
  private seq = 0;
  private running = false;
  /** Events executed so far (cancelled ones not counted). */
  steps = 0;
  cancelledInHeap = 0;
  /**
   * Bumped by every seam call (timers, sends, writes...). The async run loop uses it to tell
   * whether promise continuations are still doing simulated work after an event.
   */
  activity = 0;
  /**
   * Microtask turns with no activity that the async run loop waits for after each event, so
   * `await`-continuations (a resolved connect, a read) run at the event's virtual time.
   */
  quietTicks: number;

  constructor(opts: { quietTicks?: number } = {}) {
    this.quietTicks = opts.quietTicks ?? 2;
  }

  now(): Millis {
    return this.time;
  }

  setTimer(ms: Millis, fn: () => void): Timer {
    return this.at(this.time + (ms > 0 ? ms : 0), fn);
  }

  /** Schedules `fn` at absolute virtual time `time` (clamped to now). */
  at(time: Millis, fn: () => void): SimEvent {
    this.activity++;
    const ev = new SimEvent(time > this.time ? time : this.time, this.seq++, fn, this);
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!before(ev, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
    return ev;
  }

  /** Live (not cancelled) events waiting. */
  get pending(): number {
    return this.heap.length - this.cancelledInHeap;
  }

  /** Time of the next live event, or undefined when idle. */
  nextTime(): Millis | undefined {
    this.dropCancelledTop();
    return this.heap.length ? this.heap[0]!.time : undefined;
  }

  private dropCancelledTop(): void {
    const h = this.heap;
    while (h.length && h[0]!.fn === null) {
      this.pop();
      this.cancelledInHeap--;
    }
  }

  private pop(): SimEvent {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  private compactIfMostlyCancelled(): void {
    if (this.cancelledInHeap > 1024 && this.cancelledInHeap * 2 > this.heap.length) {
      const live = this.heap.filter((e) => e.fn !== null);
      live.sort((a, b) => (before(a, b) ? -1 : 1));
      // A sorted array is a valid heap.
      this.heap = live;
      this.cancelledInHeap = 0;
    }
  }

  /** Pops and runs the next event due at or before `until`; false when there is none. */
  private stepSync(until: Millis): boolean {
    for (;;) {
      const h = this.heap;
      if (h.length === 0 || h[0]!.time > until) return false;
      const ev = this.pop();
      const fn = ev.fn;
      if (fn === null) {
        this.cancelledInHeap--;
        continue;
      }
      ev.fn = null;
      this.time = ev.time;
      this.steps++;
      fn();
      return true;
    }
  }

  private enter(): void {
    if (this.running) throw new Error('Scheduler.run is not re-entrant');
    this.running = true;
  }

  /**
   * Runs events up to virtual time `until`, then sets the clock to `until`. Between events it
   * lets promise continuations finish (see quietTicks); use runSync for callback-only code.
   */
  async run(until: Millis, opts: RunOptions = {}): Promise<void> {
    this.enter();
    const stopWhen = opts.stopWhen;
    const quietTicks = this.quietTicks;
    try {
      for (;;) {
        // Inlined drain (no helper promise per event): let microtasks run until quietTicks
        // turns in a row leave the simulated world untouched.
        let quiet = 0;
        while (quiet < quietTicks) {
          const seen = this.activity;
          await null;
          quiet = this.activity === seen ? quiet + 1 : 0;
        }
        if (stopWhen !== undefined && stopWhen()) return;
        if (!this.stepSync(until)) break;
        if ((this.steps & 4095) === 0) this.compactIfMostlyCancelled();
      }
      if (until > this.time && until !== Infinity) this.time = until;
    } finally {
      this.running = false;
    }
  }

  /** True while run/runSync is executing (so callers know whether someone drives the clock). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Like run, but never yields to promise continuations: for purely callback-driven code. */
  runSync(until: Millis, opts: RunOptions = {}): void {
    this.enter();
    const stopWhen = opts.stopWhen;
    try {
      while (this.stepSync(until)) {
        if (stopWhen !== undefined && stopWhen()) return;
        if ((this.steps & 4095) === 0) this.compactIfMostlyCancelled();
      }
      if (until > this.time && until !== Infinity) this.time = until;
    } finally {
      this.running = false;
    }
  }

  /** Runs until no event is left; throws if more than `maxSteps` events run (a livelock). */
  async runUntilIdle(maxSteps = 10_000_000): Promise<number> {
    const start = this.steps;
    await this.run(Infinity, {
      stopWhen: () => {
        if (this.steps - start > maxSteps) throw new Error(`not idle after ${maxSteps} events`);
        return false;
      },
    });
    return this.steps - start;
  }
}

// The real Clock: performance.now for time, Node timers for callbacks.
//
// Timers are unref'd by default: what keeps a running node's process alive is its bound sockets,
// not its timers, so a test (or a command) that closes its transports can exit even when protocol
// code left a probe or suspicion timer armed. A process that must stay up on timers alone (a
// client retrying with nothing else open) asks for `keepAlive: true`.
// The clock also tracks its pending timers so the runtime can cancel them all when it closes.
import type { Clock, Millis, Timer } from '../../gossip/runtime.js';

export interface RealClockOptions {
  /** Ref the Node timers so they keep the event loop alive (default false: see above). */
  keepAlive?: boolean;
}

export class RealClock implements Clock {
  private readonly pending = new Set<RealTimer>();
  private readonly keepAlive: boolean;

  constructor(opts: RealClockOptions = {}) {
    this.keepAlive = opts.keepAlive ?? false;
  }

  now(): Millis {
    return performance.now();
  }

  setTimer(ms: Millis, fn: () => void): Timer {
    const t = new RealTimer(this.pending, fn);
    // Node clamps delays below 1 ms to 1 ms, which matches "never synchronously"; delays above
    // 2^31-1 ms would overflow to 1 ms, so clamp them to the maximum instead.
    const delay = Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 0x7fffffff) : 0x7fffffff;
    t.handle = setTimeout(() => t.fire(), delay);
    if (!this.keepAlive) t.handle.unref();
    this.pending.add(t);
    return t;
  }

  /** Timers armed and not yet fired or cancelled. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Cancels every pending timer (used when a node's runtime closes). */
  cancelAll(): void {
    for (const t of [...this.pending]) t.cancel();
  }
}

class RealTimer implements Timer {
  handle: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private readonly pending: Set<RealTimer>,
    private readonly fn: () => void,
  ) {}

  fire(): void {
    if (this.done) return;
    this.done = true;
    this.pending.delete(this);
    this.fn();
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.pending.delete(this);
    if (this.handle) clearTimeout(this.handle);
  }
}

// Time-to-live for the etcd front-end (DistKV itself has none): a key set with a TTL is deleted
// by a local change when its time is up, unless it was changed since (the TTL belongs to that
// version of the value, identified by the entry's modification index). Time comes only from the
// Clock seam, so the simulator can run it; expiry is an ordinary deletion that replicates.
import type { Clock, Timer } from '../gossip/runtime.js';
import type { Entry } from './entry.js';
import type { PathLike, Store } from './store.js';

interface Due {
  at: number;
  entry: Entry;
  index: number;
}

export class TtlTable {
  private readonly byEntry = new Map<Entry, Due>();
  /** Min-heap on `at`; stale items (replaced or cleared) are skipped when popped. */
  private readonly heap: Due[] = [];
  private timer: Timer | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Called for each expiry (after the deletion), e.g. for etcd's `expire` events. */
    private readonly onExpire: (entry: Entry) => void = () => {},
  ) {}

  /** Expire the entry at `path` (as it is now) `ttlMs` from now. */
  set(path: PathLike, ttlMs: number): void {
    const entry = this.store.get(path);
    if (!entry || !entry.hasValue()) return;
    const due: Due = { at: this.clock.now() + Math.max(0, ttlMs), entry, index: entry.index };
    this.byEntry.set(entry, due);
    this.push(due);
    this.arm();
  }

  clear(path: PathLike): void {
    const entry = this.store.get(path);
    if (entry) this.byEntry.delete(entry);
  }

  /** Milliseconds left for the value at `path`, or undefined (no TTL, or the value changed). */
  remaining(path: PathLike): number | undefined {
    const entry = this.store.get(path);
    const d = entry && this.byEntry.get(entry);
    if (!d || d.index !== entry!.index) return undefined;
    return Math.max(0, d.at - this.clock.now());
  }

  get size(): number {
    return this.byEntry.size;
  }

  /** Deletes everything due by now; returns how many expired. Also driven by the timer. */
  expireDue(): number {
    const now = this.clock.now();
    let n = 0;
    while (this.heap.length && this.heap[0]!.at <= now) {
      const d = this.pop();
      if (this.byEntry.get(d.entry) !== d) continue;
      this.byEntry.delete(d.entry);
      if (d.entry.index !== d.index || !d.entry.hasValue()) continue;
      this.store.deleteValue(d.entry.path);
      n++;
      this.onExpire(d.entry);
    }
    this.arm();
    return n;
  }

  /** Cancels the timer (the table can be dropped afterwards). */
  close(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = Infinity;
  }

  private arm(): void {
    while (this.heap.length && this.byEntry.get(this.heap[0]!.entry) !== this.heap[0]) this.pop();
    const next = this.heap.length ? this.heap[0]!.at : Infinity;
    if (next === this.timerAt) return;
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.clock.setTimer(Math.max(0, next - this.clock.now()), () => {
      this.timer = null;
      this.timerAt = Infinity;
      this.expireDue();
    });
  }

  private push(d: Due): void {
    const h = this.heap;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): Due {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

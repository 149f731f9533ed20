// Telling the cluster which ticks exist, so that a gap can be noticed at all.
//
// A server finds a lost update only when it knows the writer's tick is higher than what it holds.
// Python learns ticks from updates, from the writer's own pings, and from `info {ticks}` during a
// split recovery. When the actor does not see a heal as a merge (histories of one name each after
// a crash: asyncactor calls that a plain collision) and the writer never gets onto the ping chain
// (or crashed), the other side never learns the writer's tick and never asks for its updates.
// Found by the partition property (seed 999980: the writer crashed during the partition).
//
// So when "it" (and every 3 cycles), a ready replica of ours broadcasts `info {ticks}` — a message
// python sends in recovery step 1 and handles anywhere — for the nodes whose tick the cluster may
// not have heard: raised since the last announcement anybody made (ours, another server's `ticks`,
// the node's own ping), or last announced more than `refreshCycles` ago, or everything after a
// membership change (a heal shows as members joining again). Quiet when nothing changed.
import type { NodeName } from '../node-ticks.js';
import type { Store } from '../store.js';

export interface TickAnnouncerOptions {
  /** Re-announce a tick after this many cycles without anybody announcing it (default 10). */
  refreshCycles?: number;
}

export class TickAnnouncer {
  /** node → the highest tick somebody announced, and when we last heard it. */
  private readonly heardAt = new Map<NodeName, { tick: number; at: number }>();
  /** node → since when its tick has been due (for the periodic fallback's minimum age). */
  private readonly pendingSince = new Map<NodeName, number>();

  constructor(private readonly opts: TickAnnouncerOptions = {}) {}

  /** Somebody broadcast that `node` has reached `tick` (ticks info, its ping value, our own announcement). */
  heard(node: NodeName, tick: number | null, now: number): void {
    if (tick === null || tick <= 0) return;
    const h = this.heardAt.get(node);
    if (!h || tick > h.tick) this.heardAt.set(node, { tick, at: now });
    else if (tick === h.tick) h.at = now;
  }

  /** The cluster changed (members joined again after a partition): announce everything next time. */
  forget(): void {
    this.heardAt.clear();
    this.pendingSince.clear();
  }

  /**
   * The ticks to announce now (node → tick; empty when nothing is due), marked as heard.
   * `all`: every known tick (a recovery of ours is running: its step 1 sends the whole table).
   * `minAgeMs`: only ticks due for that long already (the periodic fallback leaves fresh ones to
   * the node that is "it", so a thousand servers do not all announce the same write).
   */
  due(store: Store, now: number, cycleMs: number, opts: { all?: boolean; minAgeMs?: number } = {}): Record<NodeName, number> {
    const refresh = (this.opts.refreshCycles ?? 10) * cycleMs;
    const out: Record<NodeName, number> = {};
    let any = false;
    for (const n of store.nodes()) {
      const t = n.tick;
      if (t === null || t <= 0) continue;
      const h = this.heardAt.get(n.name);
      if (!opts.all && h && h.tick >= t && now - h.at < refresh) {
        this.pendingSince.delete(n.name);
        continue;
      }
      let since = this.pendingSince.get(n.name);
      if (since === undefined) this.pendingSince.set(n.name, (since = now));
      if (!opts.all && now - since < (opts.minAgeMs ?? 0)) continue;
      out[n.name] = t;
      any = true;
    }
    if (any)
      for (const [name, t] of Object.entries(out)) {
        this.heard(name, t, now);
        this.pendingSince.delete(name);
      }
    return out;
  }
}

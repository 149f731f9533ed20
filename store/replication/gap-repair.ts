// Routine gap repair (reference §2.5, python `_send_missing`, `_run_send_missing`,
// `_send_missing_data`): when "it", ask for what we lack; when asked, re-broadcast what we hold.
//
// Differences from python, wire unchanged:
// - `seen_missing` (ranges somebody already asked for, so we do not ask again) forgets each
//   request after `seenMissingTtl` (3 cycles): python clears it only after a split recovery or an
//   initial sync, so a lost re-send was never asked for again on later turns.
// - Re-sends are rate limited (`resendPerSecond`), so a big gap cannot flood the gossip queue.
// - A skipped tick (somebody re-sent it meanwhile) costs one gap/3 pause per node, not one per
//   tick (python sleeps for every skipped tick, which stalls large repairs for minutes).
// - A re-sent entry carries its whole chain (python: 2 links), so a tick that sits deeper on a
//   chain reaches the asker as present; with python's 2 links it stays "missing" there forever
//   (and a new server waiting for it never becomes ready). An entry holding several reported
//   ticks is re-sent once per round, not once per tick.
// - The closing `info {known, deleted}` also carries `node_drop` when we have one (python builds
//   it and then forgets to send it).
import { type Clock, type Logger, type Random, SubLogger, sleep } from '../../gossip/runtime.js';
import { tickOf } from '../chain.js';
import { type Entry, entryToWire, type StoreNode } from '../entry.js';
import type { NodeName } from '../node-ticks.js';
import { RangeSet } from '../range-set.js';
import type { Store } from '../store.js';

export interface GapRepairHost {
  readonly store: Store;
  readonly clock: Clock;
  /** The main actor's random stream (python draws these delays from `actor.random`). */
  readonly random: Random;
  readonly logger: Logger;
  /** Current actor timing, in seconds. */
  cycle(): number;
  gap(): number;
  send(action: 'update' | 'info', msg: Record<string, unknown>): void;
  /** Re-sends a big value as a notice when that is the way (replica.ts); false = send it ourselves. */
  resendBig?(e: Entry, nchain: number): boolean;
  readonly stopped: boolean;
}

export interface GapRepairOptions {
  /** ms a requested range stays in seen_missing (default 3 cycles). */
  seenMissingTtl?: number;
  /** Re-sent updates per second at most (default 200). */
  resendPerSecond?: number;
}

export class GapRepair {
  private seen: { at: number; node: NodeName; r: RangeSet }[] = [];
  /** python `sending_missing`: null = idle, true = (re)run wanted, false = running. */
  private sending: boolean | null = null;
  private readonly log: SubLogger;
  private windowStart = 0;
  private windowCount = 0;
  /** Counters for tests and stats. */
  readonly stats = { requested: 0, resent: 0, infos: 0 };

  constructor(
    private readonly host: GapRepairHost,
    private readonly opts: GapRepairOptions = {},
  ) {
    this.log = new SubLogger(host.logger, 'replica');
  }

  private ttl(): number {
    return this.opts.seenMissingTtl ?? 3 * this.host.cycle() * 1000;
  }

  /** The union of live seen_missing ranges for `node`. */
  seenMissing(node: NodeName): RangeSet | undefined {
    const now = this.host.clock.now();
    const ttl = this.ttl();
    this.seen = this.seen.filter((s) => now - s.at <= ttl);
    let out: RangeSet | undefined;
    for (const s of this.seen) if (s.node === node) (out ??= new RangeSet()).addSet(s.r);
    return out;
  }

  /** python: `self.seen_missing[n] += r` (from an info.missing, ours or anybody's). */
  noteSeen(node: NodeName, r: RangeSet): void {
    if (!r.isEmpty) this.seen.push({ at: this.host.clock.now(), node, r: r.copy() });
  }

  /** python `seen_missing = {}` (end of a split recovery, each round of the sync wait). */
  clearSeen(): void {
    this.seen = [];
  }

  /**
   * python `_send_missing`: broadcast `info {missing}` for what we lack that nobody asked for yet
   * (`force`: even when empty — split recovery step 2). `within`: only those ticks (the replica's
   * pull asked peers for them first; ticks that went missing meanwhile are mostly under way).
   */
  sendMissing(force = false, within?: ReadonlyMap<NodeName, RangeSet>): void {
    const store = this.host.store;
    const missing: Record<NodeName, unknown> = {};
    let any = false;
    for (const n of store.nodes()) {
      if (!n.tick) continue;
      let m = n.missing();
      if (within) m = m.intersection(within.get(n.name) ?? new RangeSet());
      const mr = this.seenMissing(n.name);
      if (mr) m.removeSet(mr);
      if (m.isEmpty) continue;
      missing[n.name] = m.toWire();
      this.noteSeen(n.name, m);
      any = true;
    }
    if (!force && !any) return;
    const msg: Record<string, unknown> = { missing };
    if (store.nodeDrop.size) msg.node_drop = [...store.nodeDrop];
    this.stats.requested++;
    this.log.debug('asking for missing ticks', { missing });
    this.host.send('info', msg);
  }

  /** python `_run_send_missing`: start the re-send task, or ask the running one for another round. */
  runSendMissing(prio: number | null): void {
    if (this.sending === null) {
      this.sending = true;
      void this.sendMissingData(prio).catch((e) => this.log.error('re-send task failed', { error: String(e) }));
    } else if (!this.sending) this.sending = true;
  }

  get resending(): boolean {
    return this.sending !== null;
  }

  private async sendMissingData(prio: number | null): Promise<void> {
    const h = this.host;
    const cycle = h.cycle() * 1000;
    const r = h.random.next();
    await sleep(h.clock, prio === null ? cycle * (1 + r / 3) : Math.max(0, cycle * (1 - 1 / (1 << Math.min(prio, 30)) / 2 - r / 5)));
    try {
      while (this.sending && !h.stopped) {
        this.sending = false;
        await this.resendRound();
      }
    } finally {
      this.sending = null;
    }
  }

  private async resendRound(): Promise<void> {
    const h = this.host;
    const store = h.store;
    const nodes = h.random.shuffle([...store.nodes()]);
    // an entry holds several reported ticks when its chain does (several writers): once is enough
    const sent = new Set<Entry>();
    const known: Record<NodeName, unknown> = {};
    const deleted: Record<NodeName, unknown> = {};
    let anyKnown = false;
    let anyDeleted = false;
    for (const n of nodes) {
      if (h.stopped) return;
      const k = n.reported.intersection(n.superseded);
      const want = n.reported.intersection(n.present);
      if (!want.isEmpty && !(await this.resendTicks(n, want, sent))) return;
      // a tombstone we still hold goes out as itself, never as a `deleted` claim: receivers
      // purge theirs on such a claim (python report_deleted) and an older concurrent write
      // that reaches them afterwards would win (ticks reported while this round ran land here)
      const held = n.reported.intersection(n.deleted).intersection(n.present);
      if (!held.isEmpty && !(await this.resendTicks(n, held, sent))) return;
      if (!k.isEmpty) {
        known[n.name] = k.toWire();
        anyKnown = true;
      }
      const d = n.reported.intersection(n.deleted).difference(n.present);
      if (!d.isEmpty) {
        deleted[n.name] = d.toWire();
        anyDeleted = true;
      }
    }
    if (anyKnown || anyDeleted || store.nodeDrop.size) {
      const msg: Record<string, unknown> = { known, deleted };
      if (store.nodeDrop.size) msg.node_drop = [...store.nodeDrop];
      this.stats.infos++;
      h.send('info', msg);
    }
  }

  /** Re-sends the entries holding `want`'s ticks of `n` (once per entry); false when stopped. */
  private async resendTicks(n: StoreNode, want: RangeSet, sent: Set<Entry>): Promise<boolean> {
    const h = this.host;
    const entries = h.store.entriesForTicks(n.name, want);
    let paused = false;
    for (const t of want.ticks()) {
      if (h.stopped) return false;
      if (!n.reported.has(t)) {
        // somebody else re-sent it while we worked: give the others a moment, once
        if (!paused) await sleep(h.clock, (h.gap() * 1000) / 3);
        paused = true;
        continue;
      }
      const e = entries.get(t);
      if (!e || !n.present.has(t) || tickOf(e.chain, n) !== t) continue; // changed meanwhile
      if (sent.has(e)) {
        n.reported.remove(t);
        continue;
      }
      await this.throttle();
      if (!n.reported.has(t)) continue;
      if (!h.resendBig?.(e, -1)) h.send('update', entryToWire(e, -1) as unknown as Record<string, unknown>);
      sent.add(e);
      this.stats.resent++;
      this.log.debug('re-sent', { node: n.name, tick: t });
      n.reported.remove(t);
    }
    return true;
  }

  private async throttle(): Promise<void> {
    const rate = this.opts.resendPerSecond ?? 200;
    const now = this.host.clock.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    if (this.windowCount >= rate) {
      await sleep(this.host.clock, this.windowStart + 1000 - now);
      this.windowStart = this.host.clock.now();
      this.windowCount = 0;
    }
    this.windowCount++;
  }
}

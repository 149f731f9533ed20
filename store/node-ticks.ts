// What one server knows about one node's ticks (python `distkv.model.Node`): every tick in
// 1..tick must end up either present (on some entry's chain) or superseded (gone for good);
// the rest is `missing`, which the housekeeper asks the network for.
import type { ChainNode, Tick } from './chain.js';
import { RangeSet } from './range-set.js';

export type NodeName = string;

/** The minimum an entry must offer to the per-node index. */
export interface IndexedEntry {
  hasValue(): boolean;
}

export class NodeTicks<E extends IndexedEntry = IndexedEntry> implements ChainNode {
  /** Highest tick known for this node; null until anything is known (python None). */
  tick: Tick | null;
  /** Ticks on some current entry's chain (python `_present`). */
  readonly present = new RangeSet();
  /** Ticks that once existed and are gone for good — reported as `known` (python `_superseded`). */
  readonly superseded = new RangeSet();
  /** Ticks of deletions and deleted entries, awaiting purge (python `_deleted`). */
  readonly deleted = new RangeSet();
  /** Ticks somebody reported missing — re-send candidates; `remote_missing` (python `_reported`). */
  readonly reported = new RangeSet();
  /**
   * tick → the entry whose chain this tick currently HEADS. Python indexes every link; heads
   * suffice for the hot paths and cost a third of the memory — other present ticks are found by
   * one tree walk (deletion.ts entriesForTicks). Finding entries only through heads is also what
   * keeps a deletion tick that survives as an older link of a later value away from that value.
   */
  readonly heads = new Map<Tick, E>();
  /** Tock when this node was last heard from (actor pings). */
  tock = 0;

  constructor(
    readonly name: NodeName,
    tick: Tick | null = null,
  ) {
    this.tick = tick;
  }

  /** Python `Node(name, tick)` on an existing node: the known tick only ever rises. */
  raiseTick(t: Tick | null | undefined): void {
    if (t === null || t === undefined) return;
    if (this.tick === null || this.tick < t) this.tick = t;
  }

  /**
   * Python `Node.seen`: a broadcast carrying this tick makes re-sending it pointless; with an
   * entry, the tick is on that entry's chain now.
   */
  seen(tick: Tick, onChain: boolean, local = false): void {
    if (!local) this.reported.remove(tick);
    if (onChain) {
      this.present.add(tick);
      this.superseded.remove(tick);
    }
  }

  /** Python `Node.supersede`: the tick left its entry's chain. */
  supersede(tick: Tick): void {
    this.present.remove(tick);
    this.superseded.add(tick);
    this.heads.delete(tick);
  }

  /**
   * Python `Node.report_superseded`: somebody says these ticks are gone. Ticks we hold on a
   * chain stay present (python logs and ignores them too).
   */
  reportSuperseded(r: RangeSet, local = false): void {
    const gone = r.difference(this.present);
    this.superseded.addSet(gone);
    if (!local) this.reported.removeSet(gone);
  }

  /** Python `Node.report_missing`. */
  reportMissing(r: RangeSet): void {
    this.reported.addSet(r);
  }

  /** Python `local_missing`: [1, tick] minus present minus superseded. */
  missing(): RangeSet {
    if (!this.tick) return new RangeSet();
    return RangeSet.span(1, this.tick + 1).removeSet(this.present).removeSet(this.superseded);
  }
}

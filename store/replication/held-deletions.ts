// Which `deleted` ranges of an incoming `info` / get_state reply we let the store act on.
//
// Python marks every tick named in `deleted` as gone for good (superseded), also ticks whose
// tombstone it never held. Such a server cannot judge a concurrent write on that path any more
// (it applies an older value the tombstone should beat), no longer asks for the tombstone, and
// answers other servers' requests for the tick with `known` + `deleted`: the askers stop asking
// too, and the servers that still hold the tombstone purge it (python's `report_deleted`), long
// before the delete actor would. A value written on one side of a partition while the other side
// deleted the key then survived on its writer only (the partition property, docs/replication.md).
//
// We apply `deleted` only to ticks we hold (present: the tombstone is purged, as python does) or
// already count as gone. A deletion we never saw stays missing, so we ask for it and get the
// tombstone itself from a server that holds it; a tombstone purged by the delete group is
// answered as `known` by the servers that purged it. The wire is unchanged: we only ignore part
// of a message, and what we send about deletions is then first-hand.
//
// In a sync's get_state reply (`fromState`), `deleted` is the peer's `local_deleted`: tombstones
// it still holds, not deletions the group purged. A tombstone we hold too stays (python would
// purge it: a server that got the deletion by gossip just before its sync lost the tombstone
// and could no longer beat a concurrent older write). Only ticks we count as gone are taken.
import { isMap } from '../chain.js';
import type { NodeName } from '../node-ticks.js';
import type { Value } from '../codec.js';
import { RangeSet, type RangeWireItem } from '../range-set.js';
import type { Store } from '../store.js';

/**
 * `msg` with its `deleted` map cut to the ticks `store` holds or counts as superseded; `msg`
 * itself when nothing is cut, or when the map is malformed (the store's decoder reports that).
 */
export function keepHeldDeletions(store: Store, msg: Value, opts: { fromState?: boolean } = {}): Value {
  if (!isMap(msg)) return msg;
  const src = msg instanceof Map ? msg.get('deleted') : (msg as Record<string, unknown>).deleted;
  if (src === undefined || src === null || !isMap(src)) return msg;
  const entries = src instanceof Map ? [...src.entries()] : Object.entries(src);
  const kept: Record<string, RangeWireItem[]> = {};
  let cut = false;
  for (const [name, wire] of entries) {
    if (typeof name !== 'string') return msg;
    let r: RangeSet;
    try {
      r = RangeSet.fromWire(wire);
    } catch {
      return msg;
    }
    const n = store.knownNode(name);
    const held = n ? r.intersection(opts.fromState ? n.superseded : n.present.union(n.superseded)) : new RangeSet();
    if (!held.equals(r)) cut = true;
    if (!held.isEmpty) kept[name] = held.toWire();
  }
  if (!cut) return msg;
  if (msg instanceof Map) return new Map(msg).set('deleted', kept) as Value;
  return { ...(msg as Record<string, Value>), deleted: kept as unknown as Value };
}

/**
 * Which tombstones an `info {deleted}` may purge. python purges every held tombstone it names
 * (report_deleted), but a re-send round names tombstones its sender still holds (python
 * `_run_send_missing`: remote_missing ∩ local_deleted): purged on receipt, they no longer beat an
 * older concurrent write still on its way, and that write stays for good where it lands later.
 * So we keep such tombstones (ticks marked deleted) for the delete actor's GC, and purge only on
 * the answer we asked for: after our resync_deleted sent a group member our head ticks
 * (check_deleted), its `info {deleted}` names those it holds on no chain, purged by its GC.
 */
export class AwaitedPurges {
  private pending: { from: NodeName; ticks: Map<NodeName, RangeSet>; until: number }[] = [];

  /** We sent `from` a check_deleted of `ticks`; its answer may come until `until` (ms). */
  expect(from: NodeName, ticks: Map<NodeName, RangeSet>, until: number): void {
    this.pending.push({ from, ticks, until });
  }

  /** The ticks an `info` from `sender` may purge at `now` (empty: none). */
  purgeOnly(sender: unknown, now: number): Map<NodeName, RangeSet> {
    this.pending = this.pending.filter((p) => p.until >= now);
    const out = new Map<NodeName, RangeSet>();
    for (const p of this.pending)
      if (p.from === sender) for (const [n, r] of p.ticks) out.set(n, (out.get(n) ?? new RangeSet()).union(r));
    return out;
  }
}

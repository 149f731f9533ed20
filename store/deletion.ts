// Deletion bookkeeping (python `Node.report_deleted`, `Node.purge_deleted`,
// `Entry.purge_deleted`, `Entry._chop`) and the per-node entry lookups built on it.
//
// Python loses live data in three places here; we keep python's wire effects and fix each:
// - report_deleted/purge_deleted find entries through ANY chain link, so a deletion tick that
//   survives as an older link of a value written later destroys that value (the peer README's
//   "a re-synced server can lose a value"). We only ever purge entries WITHOUT a value.
// - _chop removes the purged entry with its whole subtree, and then every ancestor that has no
//   other child, values included. We keep entries that still have children, and only remove
//   ancestors that are empty husks (no value, no chain, no children, no watchers).
import { links, tickOf } from './chain.js';
import { type Entry, NOT_GIVEN, type StoreNode, walk } from './entry.js';
import { RangeSet } from './range-set.js';
import type { Store } from './store.js';

/**
 * The entry whose chain holds (node, tick), or undefined. Uses the head index, falling back to
 * one tree walk for present ticks that never headed a chain here.
 */
export function entryForTick(store: Store, node: StoreNode, tick: number): Entry | undefined {
  const e = node.heads.get(tick);
  if (e && tickOf(e.chain, node) === tick) return e;
  if (!node.present.has(tick)) return undefined;
  return entriesForTicks(store, node, RangeSet.of(tick)).get(tick);
}

/** tick → entry for every present tick of `ticks` (one walk at most). */
export function entriesForTicks(store: Store, node: StoreNode, ticks: RangeSet): Map<number, Entry> {
  const out = new Map<number, Entry>();
  const want = ticks.intersection(node.present);
  if (want.isEmpty) return out;
  let scan = false;
  for (const t of want.ticks()) {
    const e = node.heads.get(t);
    if (e && tickOf(e.chain, node) === t) out.set(t, e);
    else scan = true;
  }
  if (scan)
    for (const [e] of walk(store.root, { full: true })) {
      const t = tickOf(e.chain, node);
      if (t !== undefined && want.has(t) && !out.has(t)) out.set(t, e);
    }
  return out;
}

/** Every entry with a link of `node`, with that link's tick (tree walk; for rare admin commands). */
export function entriesOfNode(store: Store, node: StoreNode): [number, Entry][] {
  const out: [number, Entry][] = [];
  for (const [e] of walk(store.root, { full: true })) {
    const t = tickOf(e.chain, node);
    if (t !== undefined) out.push([t, e]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * Drops a tombstone: its links become superseded (python `clear_deleted`), the entry leaves the
 * tree unless it still has children. Entries with a value are never purged.
 */
export function purgeEntry(store: Store, e: Entry): boolean {
  if (e.value !== NOT_GIVEN || !e.chain) return false;
  const c = e.chain;
  e.chain = null;
  for (const [n, t] of links(c)) {
    n.present.remove(t);
    n.deleted.remove(t);
    n.reported.remove(t);
    n.superseded.add(t);
    if (n.heads.get(t) === e) n.heads.delete(t);
  }
  chop(store, e);
  return true;
}

/** Removes `e` and then each ancestor that is left as an empty husk. */
export function chop(store: Store, e: Entry): void {
  let cur: Entry | null = e;
  while (cur && cur.parent) {
    if (cur.value !== NOT_GIVEN || cur.chain || cur.childCount || store.watches.isWatched(cur)) return;
    const p: Entry = cur.parent;
    p.removeChild(cur);
    cur = p;
  }
}

/**
 * python `Node.report_deleted` (an `info.deleted` or a state record): these ticks were deleted
 * and are gone for good. Tombstones holding them are purged (only those holding ticks of
 * `purge`, when given: the others stay, their links marked deleted, until the delete actor's
 * GC); a tick that lives on as a link of an entry with a value stays present (python would wipe
 * that value).
 */
export function reportDeleted(store: Store, node: StoreNode, r: RangeSet, purge: RangeSet = r): void {
  const fresh = r.difference(node.deleted);
  const live = new RangeSet();
  const tombs = new Set<Entry>();
  for (const [t, e] of entriesForTicks(store, node, fresh)) {
    if (e.value !== NOT_GIVEN) live.add(t);
    else tombs.add(e);
  }
  for (const e of tombs) for (const [n, t] of links(e.chain)) store.markDeleted(n, t);
  const gone = r.difference(live);
  node.deleted.addSet(gone);
  node.reported.removeSet(gone);
  node.superseded.addSet(gone.difference(node.present));
  for (const [, e] of entriesForTicks(store, node, gone.intersection(purge))) if (e.value === NOT_GIVEN) purgeEntry(store, e);
}

/**
 * python `Node.purge_deleted` (the delete actor's GC): these deletions are old enough to forget.
 * Present ticks of tombstones are purged with their entry; live entries keep theirs.
 */
export function purgeDeleted(store: Store, node: StoreNode, r: RangeSet): void {
  const byTick = entriesForTicks(store, node, r);
  const live = new RangeSet();
  for (const [t, e] of byTick) if (e.value !== NOT_GIVEN) live.add(t);
  const gone = r.difference(live);
  node.present.removeSet(gone);
  node.deleted.removeSet(r);
  node.reported.removeSet(gone);
  node.superseded.addSet(gone);
  for (const [t, e] of byTick) {
    if (e.value !== NOT_GIVEN) continue;
    if (node.heads.get(t) === e) node.heads.delete(t);
    purgeEntry(store, e);
  }
}

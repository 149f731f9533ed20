// Shared helpers for the store model tests: snapshots for comparing stores, and a way to copy
// one store into another the way a DistKV server syncs (get_tree records + get_state).
import { entryToWire, walk } from '../../store/entry.js';
import { Path } from '../../store/path.js';
import type { ChangeEvent, Store } from '../../store/store.js';
import { updateToWire } from '../../store/update-wire.js';

export function P(text: string): Path {
  return text === '' ? Path.ROOT : Path.from(text.split('.'));
}

/** Everything that must agree between converged stores. */
export function snapshot(s: Store): unknown {
  const entries: unknown[] = [];
  for (const [e] of walk(s.root, { full: true })) {
    if (!e.chain && !e.hasValue()) continue;
    entries.push([e.path.key(), entryToWire(e, -1, -1)]);
  }
  const nodes: unknown[] = [];
  for (const n of [...s.nodes()].sort((a, b) => (a.name < b.name ? -1 : 1)))
    if (n.tick || !n.present.isEmpty || !n.superseded.isEmpty) nodes.push([n.name, n.tick, n.present.toWire(), n.superseded.toWire()]);
  return { entries, nodes };
}

/** python fetch_data: full-chain get_tree records, then get_state {nodes, known, deleted}. */
export function syncFrom(dst: Store, src: Store): void {
  for (const [e] of walk(src.root, { full: true })) {
    if (!e.hasValue()) continue;
    dst.applyUpdate(entryToWire(e, -1, 0), 'remote');
  }
  dst.applyInfo(src.getState({ nodes: true, known: true, deleted: true }), { broadcast: false });
  dst.markReady();
}

/** Collects the broadcasts a store sends: its own local changes, in the update wire form. */
export function broadcaster(s: Store, nchain = 5): unknown[] {
  const out: unknown[] = [];
  s.onChange((ev: ChangeEvent) => {
    if (ev.origin === 'local') out.push(updateToWire(ev.chain, ev.entry.path, ev.value, ev.tock, nchain));
  });
  return out;
}

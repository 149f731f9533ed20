// Random interleavings of everything the replication layer can do to a store — local changes,
// remote updates, info from a peer's state, purges, node kills — keep the model's invariants.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { headNode, headTick, links } from '../../store/chain.js';
import { walk } from '../../store/entry.js';
import { ClientError } from '../../store/errors.js';
import { RangeSet } from '../../store/range-set.js';
import { Store } from '../../store/store.js';
import { P, broadcaster, syncFrom } from './model-helpers.js';

const PATHS = [P('a'), P('a.b'), P('c'), P('c.d.e')];

function checkInvariants(s: Store): void {
  const onChains = new Map<string, RangeSet>();
  for (const [e] of walk(s.root, { full: true })) {
    if (!e.chain) continue;
    for (const [n, t] of links(e.chain)) {
      assert.ok(n.present.has(t), `${n.name}/${t} on the chain of ${e.path} but not present`);
      if (!onChains.has(n.name)) onChains.set(n.name, new RangeSet());
      onChains.get(n.name)!.add(t);
    }
    assert.equal(headNode(e.chain).heads.get(headTick(e.chain)), e, `head of ${e.path} not indexed`);
  }
  for (const n of s.nodes()) {
    assert.ok(n.present.intersection(n.superseded).isEmpty, `${n.name}: present and superseded overlap`);
    for (const [t, e] of n.heads) assert.ok(e.chain && headNode(e.chain) === n && headTick(e.chain) === t, `${n.name}/${t}: stale index`);
    // present ticks are exactly the chain links (no leaks, nothing lost)
    assert.deepEqual(n.present.toWire(), (onChains.get(n.name) ?? new RangeSet()).toWire(), `${n.name}: present != links on chains`);
  }
}

const op = fc.record({
  who: fc.integer({ min: 0, max: 1 }),
  kind: fc.constantFrom('set', 'set', 'del', 'deliver', 'deliver', 'info-deleted', 'info-known', 'purge', 'kill', 'tree'),
  path: fc.integer({ min: 0, max: PATHS.length - 1 }),
  n: fc.nat(5),
});

describe('store/invariants', () => {
  it('chains, present, superseded and the head index stay consistent under any interleaving', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const a = new Store('A');
        a.markReady();
        a.setValue(P(''), 0);
        const b = new Store('B');
        syncFrom(b, a);
        const stores = [a, b];
        const outs = stores.map((s) => broadcaster(s));
        for (const o of ops) {
          const s = stores[o.who]!;
          const other = stores[1 - o.who]!;
          try {
            switch (o.kind) {
              case 'set':
                s.setValue(PATHS[o.path]!, o.n);
                break;
              case 'del':
                s.deleteValue(PATHS[o.path]!);
                break;
              case 'tree':
                s.deleteTree(PATHS[o.path]!);
                break;
              case 'deliver':
                for (const m of outs[1 - o.who]!.splice(0, o.n + 1)) s.applyUpdate(m);
                break;
              case 'info-deleted':
                s.applyInfo({ deleted: other.getState({ deleted: true }).deleted }, { broadcast: true });
                break;
              case 'info-known':
                s.applyInfo({ known: other.getState({ known: true }).known }, { broadcast: true });
                break;
              case 'purge': {
                const del = new Map<string, RangeSet>();
                for (const n of s.nodes()) if (!n.deleted.isEmpty) del.set(n.name, n.deleted.copy());
                s.purgeDeleted(del);
                break;
              }
              case 'kill':
                s.killNode(o.who ? 'A' : 'B');
                break;
            }
          } catch (e) {
            if (!(e instanceof ClientError)) throw e;
          }
          checkInvariants(s);
        }
        for (const s of stores) checkInvariants(s);
      }),
      { numRuns: 500 },
    );
  });
});

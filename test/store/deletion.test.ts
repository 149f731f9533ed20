// Deletion, tombstones and purge — including the places where python 0.57.4 loses live data
// and we deliberately do not (docs/distkv-model.md, "Differences").
import { strict as assert } from 'node:assert';
import { RangeSet } from '../../store/range-set.js';
import { Store } from '../../store/store.js';
import { P, broadcaster, syncFrom } from './model-helpers.js';

function pair(): [Store, Store, () => void] {
  const a = new Store('A');
  a.markReady();
  a.setValue(P(''), 'root');
  const b = new Store('B');
  syncFrom(b, a);
  const outs = [broadcaster(a), broadcaster(b)];
  const flush = () => {
    for (const m of outs[0]!.splice(0)) b.applyUpdate(m);
    for (const m of outs[1]!.splice(0)) a.applyUpdate(m);
  };
  return [a, b, flush];
}

describe('store/deletion', () => {
  it('a value set over a deletion survives a re-sync (python loses it: peer README)', () => {
    const [a, b, flush] = pair();
    b.setValue(P('k'), 'v1');
    flush();
    a.deleteValue(P('k'));
    flush();
    b.setValue(P('k'), 'v2'); // its chain: B/2 → A/2 (the deletion)
    flush();
    const c = new Store('C');
    syncFrom(c, b); // get_state's `deleted` names A/2, which is a link of the live chain
    assert.equal(c.get(P('k'))!.value, 'v2');
    const st = c.getState({ missing: true }) as { missing: object };
    assert.deepEqual({ ...st.missing }, {});
  });

  it('purge drops tombstones only; children and valued parents stay (python _chop drops them)', () => {
    const s = new Store('A');
    s.markReady();
    s.setValue(P('p'), 'parent');
    s.setValue(P('p.t'), 'x');
    s.setValue(P('q'), 'x');
    s.setValue(P('q.child'), 'kid');
    s.deleteValue(P('p.t'));
    s.deleteValue(P('q'));
    s.purgeDeleted(s.takeDeletedQueue());
    assert.equal(s.get(P('p'))!.value, 'parent');
    assert.equal(s.get(P('p.t')), undefined);
    assert.equal(s.get(P('q.child'))!.value, 'kid');
    assert.ok(!s.get(P('q'))!.chain);
    // all purged ticks are known (superseded), none missing or present
    const n = s.knownNode('A')!;
    assert.deepEqual(n.missing().toWire(), []);
    assert.deepEqual(n.deleted.toWire(), []);
    assert.deepEqual(n.present.toWire(), [1, 4]);
  });

  it('purging a deletion tick that lives on in a later value keeps the value', () => {
    const [a, b, flush] = pair();
    a.setValue(P('k'), 'v1');
    a.deleteValue(P('k'));
    flush();
    b.setValue(P('k'), 'v2');
    flush();
    for (const s of [a, b]) {
      s.purgeDeleted(new Map([['A', RangeSet.span(1, 10)]]));
      assert.equal(s.get(P('k'))!.value, 'v2');
    }
  });

  it('info.deleted purges the tombstone; a late stale update cannot bring it back', () => {
    const [a, b, flush] = pair();
    const outA = broadcaster(a);
    a.setValue(P('k'), 'v');
    const late = outA.splice(0);
    flush();
    a.deleteValue(P('k'));
    flush();
    b.applyInfo({ deleted: { A: [[2, 4]] } }, { broadcast: true });
    assert.equal(b.get(P('k')), undefined);
    for (const m of late) assert.equal(b.applyUpdate(m), 'stale');
    assert.equal(b.get(P('k')), undefined);
  });

  it('a stale copy of an older link does not resurrect a tombstone (python would)', () => {
    const [a, b, flush] = pair();
    const outA = broadcaster(a);
    a.setValue(P('k'), 'v');
    const old = outA.splice(0);
    flush();
    b.deleteValue(P('k'));
    flush();
    for (const m of old) assert.equal(a.applyUpdate(m), 'stale');
    for (const m of old) assert.equal(b.applyUpdate(m), 'stale');
    assert.ok(a.get(P('k'))!.isTombstone() && b.get(P('k'))!.isTombstone());
  });

  it('concurrent delete and write: the higher tock wins whatever the arrival order', () => {
    const [a, b] = pair();
    const outA = broadcaster(a);
    const outB = broadcaster(b);
    a.setValue(P('k'), 'base');
    b.applyUpdate(outA.splice(0)[0]);
    a.deleteValue(P('k'));
    for (let i = 0; i < 5; i++) b.nextTock(); // B's write is later in tock terms
    b.setValue(P('k'), 'mine');
    const [del] = outA.splice(0);
    const [set] = outB.splice(0);
    a.applyUpdate(set);
    b.applyUpdate(del);
    assert.equal(a.get(P('k'))!.value, 'mine');
    assert.equal(b.get(P('k'))!.value, 'mine');
  });
});

describe('store/deletion: re-send and resync helpers', () => {
  it('entriesForTicks finds heads and older links; checkDeleted names ticks on no chain', () => {
    const [a, b, flush] = pair();
    a.setValue(P('k'), 'v1'); // A/2
    flush();
    b.setValue(P('k'), 'v2'); // B/1 → A/2
    flush();
    const found = a.entriesForTicks('A', RangeSet.span(1, 5));
    assert.deepEqual([...found.keys()].sort(), [1, 2]);
    assert.equal(found.get(2)!.value, 'v2'); // A/2 is an older link of k now
    assert.deepEqual([...a.headTicks()].map(([n, r]) => [n, r.toWire()]), [['A', [1]], ['B', [1]]]);
    const gone = a.checkDeleted(new Map([['A', RangeSet.span(1, 6)]]));
    assert.deepEqual([...gone].map(([n, r]) => [n, r.toWire()]), [['A', [[3, 6]]]]);
  });
});

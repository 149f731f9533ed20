// DistKV's own tests (tests/test_basic.py, test_load_save.py, test_kill.py of 0.57.x),
// replayed against the model: same get_state contents, chains, refusals.
import { strict as assert } from 'node:assert';
import { chainToWire } from '../../store/chain.js';
import { NOT_GIVEN } from '../../store/entry.js';
import { ClientChainError, ClientError, NotReadyError } from '../../store/errors.js';
import { RangeSet } from '../../store/range-set.js';
import { Store } from '../../store/store.js';
import { P, broadcaster, syncFrom } from './model-helpers.js';

function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x));
}

function state(s: Store): unknown {
  const r = plain(s.getState({ nodes: true, known: true, missing: true, remote_missing: true, present: true })) as Record<string, unknown>;
  delete r.tock;
  return r;
}

function seeded(name: string, init: unknown): Store {
  const s = new Store(name);
  s.markReady();
  s.setValue(P(''), init as never);
  return s;
}

describe('store/store: DistKV test_basic', () => {
  it('get_state, get_value by tick, overwrite bookkeeping, depth limits', () => {
    const s = seeded('test_0', 123);
    s.setValue(P('foo'), 'hello', { nchain: 3 });
    const bar = s.setValue(P('foo.bar'), 'baz', { nchain: 3 });
    const bart = bar.tock;
    s.setValue(P('foo.baz'), 'quux', { nchain: 3 });
    const root = s.get(P(''))!;
    assert.equal(root.value, 123);
    assert.ok(root.tock < s.nextTock());

    assert.deepEqual(s.enumerate(P('foo')), ['bar', 'baz']);
    assert.deepEqual(s.enumerate(P('foo'), { withData: true }), [['bar', 'baz'], ['baz', 'quux']]);
    assert.deepEqual(s.enumerate(P('foo.bar')), []);

    const tree = (o: object) => [...s.iterate(P(''), o)].map(([e]) => [e.path.toString(), e.value]);
    const all = [[':', 123], ['foo', 'hello'], ['foo.bar', 'baz'], ['foo.baz', 'quux']];
    assert.deepEqual(tree({ maxDepth: 2 }), all);
    assert.deepEqual(tree({ minDepth: 1 }), all.slice(1));
    assert.deepEqual(tree({ maxDepth: 1 }), all.slice(0, 2));
    assert.deepEqual(tree({ maxDepth: 0 }), all.slice(0, 1));
    assert.equal(s.get(P('foo.bar'))!.tock, bart);

    assert.deepEqual(state(s), {
      nodes: { test_0: 4 },
      known: {},
      present: { test_0: [[1, 5]] },
      missing: {},
      remote_missing: {},
      node: 'test_0',
    });
    assert.equal(s.entryForTick('test_0', 1).value, 123);
    assert.equal(s.entryForTick('test_0', 2).value, 'hello');
    assert.equal(s.entryForTick('test_0', 3).value, 'baz');

    const r = s.setValue(P(''), 1234, { nchain: 3 });
    assert.equal(r.prev, 123);
    assert.equal(r.chain!.tick, 5);
    assert.throws(() => s.entryForTick('test_0', 8), ClientError); // does not exist yet
    assert.throws(() => s.entryForTick('test_0', 1), ClientError); // superseded
    assert.equal(s.entryForTick('test_0', 5).value, 1234);

    const r2 = s.setValue(P('foo.bar'), 'bazz');
    assert.ok(r2.tock > bart);
    assert.deepEqual(state(s), {
      nodes: { test_0: 6 },
      known: { test_0: [1, 3] },
      present: { test_0: [2, [4, 7]] },
      missing: {},
      remote_missing: {},
      node: 'test_0',
    });

    const d = s.deleteValue(P('foo'));
    assert.ok(d.tock > r2.tock);
    assert.equal(s.get(P('foo.bar'))!.value, 'bazz');
    assert.equal(s.get(P('foo.bar'))!.tock, r2.tock);
  });

  it('test_02_cmd: three sets then one overwrite', () => {
    const s = seeded('test_0', 123);
    s.setValue(P('foo'), 'hello');
    s.setValue(P('foo.bar'), 'baz');
    assert.deepEqual(state(s), { nodes: { test_0: 3 }, known: {}, present: { test_0: [[1, 4]] }, missing: {}, remote_missing: {}, node: 'test_0' });
    const r = s.setValue(P(''), 1234, { nchain: 3 });
    assert.equal(r.prev, 123);
    assert.equal(r.chain!.tick, 4);
    assert.deepEqual(state(s), { nodes: { test_0: 4 }, known: { test_0: [1] }, present: { test_0: [[2, 5]] }, missing: {}, remote_missing: {}, node: 'test_0' });
  });

  it('test_03_three: chain shapes across two nodes, idem, superseded lookups', () => {
    const s1 = seeded('test_1', 125);
    const out1 = broadcaster(s1);
    const s0 = new Store('test_0');
    syncFrom(s0, s1);
    const out0 = broadcaster(s0);
    assert.equal(s0.get(P(''))!.value, 125);

    const r = s0.setValue(P(''), 126, { nchain: 3 });
    assert.equal(r.prev, 125);
    assert.deepEqual(plain(r.chain), { node: 'test_0', tick: 1, prev: { node: 'test_1', tick: 1, prev: null } });
    for (const m of out0.splice(0)) assert.equal(s1.applyUpdate(m), 'applied');

    for (const idem of [false, true]) {
      const r2 = s1.setValue(P(''), 127, { nchain: 3, idem: true });
      if (!idem) assert.equal(r2.prev, 126);
      else assert.ok(!('prev' in r2));
      assert.deepEqual(plain(r2.chain), { node: 'test_1', tick: 2, prev: { node: 'test_0', tick: 1, prev: null } });
      assert.equal(r2.changed, !idem);
    }
    for (const m of out1.splice(0)) assert.equal(s0.applyUpdate(m), 'applied');

    assert.throws(() => s0.entryForTick('test_1', 1), ClientError);
    assert.throws(() => s1.entryForTick('test_1', 1), ClientError);
    const want = (node: string) => ({
      nodes: { test_0: 1, test_1: 2 },
      known: { test_1: [1] },
      present: { test_0: [1], test_1: [2] },
      missing: {},
      remote_missing: {},
      node,
    });
    assert.deepEqual(state(s0), want('test_0'));
    assert.deepEqual(state(s1), want('test_1'));
  });

  it('preconditions: chain null / chain head / prev / refused preconditions change nothing', () => {
    const s = seeded('a', 1);
    s.setValue(P('k'), 'v1');
    assert.throws(() => s.setValue(P('k'), 'x', { chain: null }), ClientChainError);
    assert.throws(() => s.setValue(P('new'), 'x', { chain: { node: 'a', tick: 2 } }), ClientChainError);
    assert.throws(() => s.setValue(P('k'), 'x', { chain: { node: 'a', tick: 1 } }), ClientChainError);
    // a made-up node in a refused precondition must not poison the tick table
    assert.throws(() => s.setValue(P('k'), 'x', { chain: { node: 'nobody', tick: 99999 } }), ClientChainError);
    assert.equal(s.knownNode('nobody'), undefined);
    assert.throws(() => s.setValue(P('k'), 'x', { prev: 'nope' }), ClientError);
    assert.equal(s.tick, 2);
    const ok = s.setValue(P('k'), 'v2', { chain: { node: 'a', tick: 2 }, nchain: 2 });
    assert.equal(ok.changed, true);
    assert.ok(!('prev' in ok)); // no prev when a precondition was given
    const ok2 = s.setValue(P('k'), 'v3', { prev: 'v2' });
    assert.ok(!('prev' in ok2));
    assert.equal(s.setValue(P('fresh'), 0, { chain: null }).changed, true);
    // python == : 1 == 1.0 == True for prev, but idem needs the same type
    s.setValue(P('n'), 1);
    s.setValue(P('n'), 2, { prev: true });
    assert.equal(s.setValue(P('n'), 2, { idem: true }).changed, false);
    assert.throws(() => new Store('x').setValue(P('k'), 1), NotReadyError);
  });

  it('etcd compare-by-index', () => {
    const s = seeded('a', 1);
    s.setValue(P('k'), 'v', { prevIndex: 0 });
    const idx = s.get(P('k'))!.index;
    assert.throws(() => s.setValue(P('k'), 'w', { prevIndex: idx + 5 }), ClientError);
    s.setValue(P('k'), 'w', { prevIndex: idx });
    assert.ok(s.get(P('k'))!.index > idx);
  });

  it('deletion leaves a tombstone with its chain; ticks present and deleted', () => {
    const s = seeded('a', 1);
    s.setValue(P('k'), 'v');
    const d = s.deleteValue(P('k'), { nchain: 2 });
    assert.equal(d.prev, 'v');
    assert.equal(d.changed, true);
    const e = s.get(P('k'))!;
    assert.equal(e.value, NOT_GIVEN);
    assert.ok(e.isTombstone());
    const st = plain(s.getState({ present: true, deleted: true, known: true })) as Record<string, unknown>;
    assert.deepEqual(st.present, { a: [1, 3] });
    assert.deepEqual(st.deleted, { a: [3] });
    assert.deepEqual(st.known, { a: [2] });
    assert.deepEqual([...s.takeDeletedQueue()].map(([n, r]) => [n, r.toWire()]), [['a', [3]]]);
  });

  it('delete_tree deletes the values below a path, never the root', () => {
    const s = seeded('a', 1);
    for (const p of ['x', 'x.y', 'x.y.z', 'x.q']) s.setValue(P(p), p);
    assert.throws(() => s.deleteTree(P('')), ClientError);
    const evs = s.deleteTree(P('x'));
    assert.deepEqual(evs.map((e) => [e.entry.path.toString(), e.old]), [['x', 'x'], ['x.q', 'x.q'], ['x.y', 'x.y'], ['x.y.z', 'x.y.z']]);
    assert.equal([...s.iterate(P('x'))].length, 0);
    assert.equal(s.get(P(''))!.value, 1);
  });
});

describe('store/store: DistKV test_kill', () => {
  it('chain after two nodes wrote; enum_node; kill_node refused while heading, then cuts links', () => {
    const s0 = seeded('test_0', 234);
    const s1 = new Store('test_1');
    const s2 = new Store('test_2');
    syncFrom(s1, s0);
    syncFrom(s2, s0);
    const stores = [s0, s1, s2];
    const outs = stores.map((s) => broadcaster(s));
    const flush = () => {
      for (let i = 0; i < 3; i++) for (const m of outs[i]!.splice(0)) for (let j = 0; j < 3; j++) if (j !== i) stores[j]!.applyUpdate(m);
    };
    s1.setValue(P('foo'), 'hello');
    s1.setValue(P('foo.bar'), 'baz');
    flush();
    s2.setValue(P('foo'), 'super');
    s2.setValue(P('foo.bar'), 'seded');
    flush();
    const entryChain = (s: Store) => plain(chainToWire(s.get(P('foo.bar'))!.chain!, 3));
    assert.deepEqual(entryChain(s0), { node: 'test_2', tick: 2, prev: { node: 'test_1', tick: 2, prev: null } });
    assert.deepEqual(s0.enumNode('test_1', 0, true), []);
    assert.deepEqual(s0.enumNode('test_1', 0, false), [1, 2]);
    assert.deepEqual(s0.enumNode('test_2', 0, true), [1, 2]);
    assert.throws(() => s0.killNode('test_2'), ClientError);
    s0.killNode('test_1');
    assert.deepEqual(entryChain(s0), { node: 'test_2', tick: 2, prev: null });
    assert.deepEqual([...s0.nodeDrop], ['test_1']);
    assert.equal(s0.knownNode('test_1'), undefined);
  });
});

describe('store/store: DistKV test_load_save', () => {
  it('watch with fetch sees every change; a saved state loads with the same ticks', () => {
    const s = seeded('test_0', 234);
    const w = s.watch(P(''), { fetch: true });
    const seen: unknown[] = [];
    const drain = () => {
      for (let it = w.poll(); it; it = w.poll())
        if (it.kind !== 'uptodate' && it.entry.hasValue())
          seen.push({ chain: plain(chainToWire(it.entry.chain!, 3)), path: it.entry.path.toString(), value: it.entry.value });
    };
    drain();
    s.setValue(P('foo'), 'hello', { nchain: 3 });
    drain();
    s.setValue(P('foo.bar'), 'baz', { nchain: 3 });
    drain();
    s.setValue(P(''), 2345, { nchain: 3 });
    drain();
    w.close();
    const c = (tick: number) => ({ node: 'test_0', tick, prev: null });
    assert.deepEqual(seen, [
      { chain: c(1), path: ':', value: 234 },
      { chain: c(2), path: 'foo', value: 'hello' },
      { chain: c(3), path: 'foo.bar', value: 'baz' },
      { chain: c(4), path: ':', value: 2345 },
    ]);

    // save: state record + full-chain entries; load into a fresh server of the same name
    const t = new Store('test_0');
    syncFrom(t, s);
    assert.equal(t.tick, 4);
    const r = t.setValue(P('foof'), 'again', { nchain: 3 });
    assert.deepEqual(plain(r.chain), c(5));
    assert.equal(t.get(P('foo'))!.value, 'hello');
    assert.equal(t.get(P('foo.bar'))!.value, 'baz');
    assert.equal(t.get(P(''))!.value, 2345);
    const st = plain(t.getState({ nodes: true, known: true, present: true })) as Record<string, unknown>;
    assert.deepEqual([st.nodes, st.known, st.present], [{ test_0: 5 }, { test_0: [1] }, { test_0: [[2, 6]] }]);
  });
});

describe('store/store: info handling', () => {
  it('ticks/missing/known/deleted/node_drop, and a restarted node resumes its numbering', () => {
    const s = new Store('me');
    const fx = s.applyInfo({ ticks: { me: 7, other: 3 }, missing: { me: [[2, 4]] }, known: { other: [1] }, node_drop: ['ghost'] }, { broadcast: true });
    assert.equal(fx.hadTicks, true);
    assert.deepEqual([...fx.missing].map(([n, r]) => [n, r.toWire()]), [['me', [[2, 4]]]]);
    assert.equal(s.tick, 7);
    s.markReady();
    assert.equal(s.setValue(P('k'), 1).chain!.tick, 8);
    const st = plain(s.getState({ missing: true, remote_missing: true, known: true })) as Record<string, unknown>;
    assert.deepEqual(st.missing, { me: [[1, 8]], other: [[2, 4]] });
    assert.deepEqual(st.remote_missing, { me: [[2, 4]] });
    assert.deepEqual(st.known, { other: [1] });
    assert.throws(() => s.applyInfo({ known: { x: 'bad' } }, { broadcast: true }));
    assert.deepEqual(RangeSet.of(1).toWire(), [1]);
  });

  it('our ticks claimed superseded or deleted beyond our counter are never reused (a CI fuzz find)', () => {
    const s = new Store('me', { tick: 5 });
    s.applyInfo({ superseded: { me: [[6, 10]] }, deleted: { me: [12] } }, { broadcast: true });
    const res = s.setValue(P('b'), 2);
    assert.equal(res.chain!.tick, 13);
    assert.equal(s.get(P('b'))!.value, 2, 'the local write is not judged stale');
  });
});

// EtcdV2Store on a DistKV Store: TTL expiry on the Clock seam, the index, history, remote changes.
import { strict as assert } from 'node:assert';
import { EtcdV2Store } from '../../../lib/etcd/v2store.js';
import { EtcdError } from '../../../lib/etcd/errors.js';
import type { EtcdEvent } from '../../../lib/etcd/history.js';
import { Store } from '../../../store/store.js';
import { updateToWire } from '../../../store/update-wire.js';
import { ManualClock } from '../../store/replication/helpers.js';

function make(historySize?: number) {
  const clock = new ManualClock();
  const store = new Store('a', { tick: 0 });
  const v2 = new EtcdV2Store({ store, clock, historySize, wallNow: () => 1_700_000_000_000 + clock.now() });
  return { clock, store, v2 };
}

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof EtcdError) return e.errorCode;
    throw e;
  }
  return 0;
}

describe('lib/etcd/v2store', () => {
  it('keeps etcd keys under the prefix path and plain strings as values', () => {
    const { store, v2 } = make();
    v2.set('/a/b', false, 'x', undefined, false);
    assert.equal(store.get(['etcd', 'a', 'b'])!.value, 'x');
    v2.set('/d', true, '', undefined, false);
    assert.deepEqual(store.get(['etcd', 'd'])!.value, { etcd_dir: true });
  });

  it('the index is DistKV\'s modification counter: +1 per write, also for writes outside the prefix', () => {
    const { store, v2 } = make();
    const a = v2.set('/k', false, '1', undefined, false);
    assert.equal(a.event.node.modifiedIndex, a.etcdIndex);
    store.setValue(['native'], 5);
    const b = v2.set('/k', false, '2', undefined, false);
    assert.equal(b.etcdIndex, a.etcdIndex + 2);
    assert.equal(b.event.prevNode!.modifiedIndex, a.etcdIndex);
  });

  it('TTL: the key expires on the clock, with an expire event carrying the previous node', () => {
    const { clock, v2 } = make();
    const r = v2.set('/t', false, 'v', 2, false);
    assert.equal(r.event.node.ttl, 2);
    assert.equal(r.event.node.expiration, new Date(1_700_000_002_000).toISOString());
    const seen: EtcdEvent[] = [];
    v2.watch('/t', false, false, 0, (e) => seen.push(e));
    clock.advance(1500);
    assert.equal(v2.get('/t', false, false).event.node.ttl, 1);
    clock.advance(600);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.action, 'expire');
    assert.equal(seen[0]!.prevNode!.value, 'v');
    assert.equal(code(() => v2.get('/t', false, false)), 100);
  });

  it('TTL: a later write without ttl makes the key permanent; a directory expires with its children', () => {
    const { clock, v2 } = make();
    v2.set('/p', false, 'v', 1, false);
    v2.update('/p', 'w', undefined, false);
    v2.set('/dir', true, '', 1, false);
    v2.set('/dir/x/y', false, 'in', undefined, false);
    clock.advance(1500);
    assert.equal(v2.get('/p', false, false).event.node.value, 'w');
    assert.equal(code(() => v2.get('/dir', false, false)), 100);
    assert.equal(code(() => v2.get('/dir/x/y', false, false)), 100);
  });

  it('history: a waitIndex older than the kept window is 401, within it the first match', () => {
    const { v2 } = make(10);
    const first = v2.set('/h', false, '0', undefined, false).etcdIndex;
    for (let i = 1; i < 20; i++) v2.set('/h', false, String(i), undefined, false);
    assert.equal(code(() => v2.watch('/h', false, false, first, () => {})), 401);
    const got: EtcdEvent[] = [];
    v2.watch('/h', false, false, first + 15, (e) => got.push(e));
    return Promise.resolve().then(() => assert.equal(got[0]!.node.value, '15'));
  });

  it('watchers: recursive ones skip hidden keys below them, directory deletion reaches watchers inside', () => {
    const { v2 } = make();
    v2.set('/w', true, '', undefined, false);
    v2.set('/w/in/k', false, '1', undefined, false);
    const rec: EtcdEvent[] = [];
    const inner: EtcdEvent[] = [];
    v2.watch('/w', true, true, 0, (e) => rec.push(e));
    v2.watch('/w/in/k', false, false, 0, (e) => inner.push(e));
    v2.set('/w/_h', false, 'x', undefined, false);
    v2.delete('/w', true, true);
    assert.deepEqual(rec.map((e) => [e.action, e.node.key]), [['delete', '/w']]);
    assert.deepEqual(inner.map((e) => [e.action, e.node.key]), [['delete', '/w']]);
  });

  it('changes made elsewhere (another node, a native client) become set/delete events', () => {
    const a = make();
    const b = make();
    // a one-way link A → B: what the replication layer does with A's local changes
    a.store.onChange((ev) => ev.origin === 'local' && b.store.applyUpdate(updateToWire(ev.chain, ev.entry.path, ev.value, ev.tock)));
    const seen: EtcdEvent[] = [];
    b.v2.watch('/r', true, true, 0, (e) => seen.push(e));
    a.v2.set('/r/k', false, 'from-a', undefined, false);
    a.v2.delete('/r/k', false, false);
    assert.deepEqual(seen.map((e) => [e.action, e.node.key, e.node.value]), [
      ['set', '/r/k', 'from-a'],
      ['delete', '/r/k', undefined],
    ]);
    a.v2.set('/r/k2', false, 'v', undefined, false);
    assert.equal(b.v2.get('/r/k2', false, false).event.node.value, 'v');
    // indexes are per node: B's index counts B's applied changes
    assert.ok(b.v2.index <= a.v2.index);
  });

  it('a native DistKV value that is not a string shows as JSON text', () => {
    const { store, v2 } = make();
    store.setValue(['etcd', 'n'], { a: 1 });
    assert.equal(v2.get('/n', false, false).event.node.value, '{"a":1}');
  });
});

// TTLs across nodes: the expiry time travels with the value; the node that set it deletes it on
// time, every other node (Clock seam) a grace period later unless that deletion came — so the key
// expires everywhere with or without its setter, each node emitting etcd's `expire`.
import { strict as assert } from 'node:assert';
import { EtcdV2Store } from '../../../lib/etcd/v2store.js';
import { EtcdError } from '../../../lib/etcd/errors.js';
import type { EtcdEvent } from '../../../lib/etcd/history.js';
import { headNode } from '../../../store/chain.js';
import { Store } from '../../../store/store.js';
import { updateToWire } from '../../../store/update-wire.js';
import { ManualClock } from '../../store/replication/helpers.js';

const WALL0 = 1_700_000_000_000;

/** Two nodes on one manual clock; B's wall clock runs `skewMs` behind. `cut()` parts them. */
function pair(skewMs = 0) {
  const clock = new ManualClock();
  const sa = new Store('a', { tick: 0 });
  const sb = new Store('b', { tick: 0 });
  let linked = true;
  sa.onChange((ev) => linked && ev.origin === 'local' && sb.applyUpdate(updateToWire(ev.chain, ev.entry.path, ev.value, ev.tock)));
  sb.onChange((ev) => linked && ev.origin === 'local' && sa.applyUpdate(updateToWire(ev.chain, ev.entry.path, ev.value, ev.tock)));
  const a = new EtcdV2Store({ store: sa, clock, wallNow: () => WALL0 + clock.now() });
  const b = new EtcdV2Store({ store: sb, clock, wallNow: () => WALL0 + clock.now() - skewMs });
  const events = (v2: EtcdV2Store) => {
    const seen: EtcdEvent[] = [];
    v2.watch('/', true, true, 0, (e) => seen.push(e));
    return seen;
  };
  return { clock, a, b, sa, sb, events, cut: () => (linked = false) };
}

function missing(v2: EtcdV2Store, key: string): boolean {
  try {
    v2.get(key, false, false);
    return false;
  } catch (e) {
    if (e instanceof EtcdError && e.errorCode === 100) return true;
    throw e;
  }
}

describe('lib/etcd: TTL across nodes', () => {
  it('a key set with a TTL on A shows its TTL on B and expires on both, with an expire event each', () => {
    const { clock, a, b, sb, events } = pair(300);
    const ea = events(a);
    const eb = events(b);
    a.set('/t', false, 'v', 2, false);
    const onB = b.get('/t', false, false).event.node;
    assert.equal(onB.value, 'v');
    assert.equal(onB.expiration, new Date(WALL0 + 2000).toISOString());
    assert.equal(onB.ttl, 3); // B's wall clock is 300 ms behind: 2.3 s left, rounded up
    clock.advance(2100);
    assert.ok(missing(a, '/t') && missing(b, '/t'));
    assert.deepEqual(ea.map((e) => e.action), ['set', 'expire']);
    assert.deepEqual(eb.map((e) => e.action), ['set', 'expire']);
    assert.equal(eb[1]!.prevNode!.value, 'v');
    // one deletion, A's: B waited for it instead of deleting too
    clock.advance(5000);
    assert.equal(headNode(sb.get(['etcd', 't'])!.chain!).name, 'a');
    assert.equal(eb.length, 2);
  });

  it('the setter is gone: B expires the key by itself', () => {
    const { clock, a, b, cut, events } = pair();
    a.set('/dead', false, 'v', 1, false);
    a.set('/dir', true, '', 1, false);
    a.set('/dir/in', false, 'x', undefined, false);
    cut();
    a.close();
    const eb = events(b);
    clock.advance(1001);
    assert.equal(b.get('/dead', false, false).event.node.value, 'v'); // waiting for A's deletion
    clock.advance(2000); // the grace period: A's deletion did not come
    assert.ok(missing(b, '/dead') && missing(b, '/dir') && missing(b, '/dir/in'));
    assert.deepEqual(eb.map((e) => [e.action, e.node.key]).sort(), [['expire', '/dead'], ['expire', '/dir']]);
  });

  it('a later write without TTL on B makes the key permanent on A too; a refresh on A moves B\'s expiry', () => {
    const { clock, a, b } = pair();
    a.set('/p', false, 'v', 1, false);
    b.set('/p', false, 'w', undefined, false);
    a.set('/r', false, 'v', 1, false);
    clock.advance(900);
    a.set('/r', false, '', 5, true);
    assert.equal(b.get('/r', false, false).event.node.ttl, 5);
    clock.advance(1000);
    assert.equal(a.get('/p', false, false).event.node.value, 'w');
    assert.equal(a.get('/p', false, false).event.node.ttl, undefined);
    assert.equal(b.get('/r', false, false).event.node.value, 'v');
    clock.advance(4200);
    assert.ok(missing(a, '/r') && missing(b, '/r'));
  });

  it('values with a TTL already in the store (loaded, synced) are expired by a front-end started later', () => {
    const clock = new ManualClock();
    const store = new Store('s', { tick: 0 });
    const first = new EtcdV2Store({ store, clock, wallNow: () => WALL0 + clock.now() });
    first.set('/old', false, 'v', 3, false);
    first.close();
    const second = new EtcdV2Store({ store, clock, wallNow: () => WALL0 + clock.now() });
    assert.equal(second.get('/old', false, false).event.node.ttl, 3);
    clock.advance(3000);
    assert.ok(missing(second, '/old'));
    second.close();
  });
});

// Initial sync of a server restarted empty under its old name: ticks of its own name that the
// peer lacks (lost with the earlier incarnation) are asked for, then given up after 3 cycles as
// superseded, so the sync ends and peers asking for them get `known` (python waits forever).
import { strict as assert } from 'node:assert';
import { fetchData, storeSyncSession, type SyncHost } from '../../../store/replication/sync.js';
import { Store } from '../../../store/store.js';
import { updateToWire } from '../../../store/update-wire.js';
import { ManualClock, testRandom } from './helpers.js';

describe('store/replication/sync: our own lost ticks', () => {
  it('are asked for, then count as superseded after 3 cycles; the sync ends and our tick continues', async () => {
    // the earlier "me" wrote ticks 1..3; the peer got tick 1 only, and knows the tick is 3
    const old = new Store('me', { tick: 0 });
    old.setValue(['a'], 1);
    const first = old.get(['a'])!;
    const peer = new Store('peer', { tick: 0 });
    peer.setValue(['p'], 'x');
    peer.applyUpdate(updateToWire(first.chain!, first.path, 1, first.tock));
    peer.node('me', 3);

    const clock = new ManualClock();
    const store = new Store('me');
    const infos: unknown[] = [];
    let ready = false;
    const h: SyncHost = {
      store,
      clock,
      random: testRandom(3),
      logger: { log() {} },
      stopped: false,
      gap: () => 1,
      cycle: () => 3,
      connect: async () => storeSyncSession(peer),
      hostPort: () => ['peer', 1],
      seenMissing: () => undefined,
      clearSeen: () => {},
      sendInfo: (m) => void infos.push(m),
      becomeReady: () => {
        store.markReady();
        ready = true;
      },
      force: false,
    };
    const done = fetchData(h, ['peer']);
    await clock.run(5_000);
    assert.equal(ready, false, 'still asking');
    assert.deepEqual(infos[0], { missing: { me: [[2, 4]] } });
    await clock.run(20_000);
    assert.equal(await done, true);
    assert.equal(ready, true);
    const me = store.knownNode('me')!;
    assert.ok(me.missing().isEmpty);
    assert.ok(me.superseded.has(2) && me.superseded.has(3));
    store.setValue(['b'], 2);
    assert.equal(store.tick, 4, 'no tick of the earlier incarnation is re-issued');
  });
});

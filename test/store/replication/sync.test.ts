// Initial sync (python `fetch_data` + `do_send_missing`) against an in-process peer store.
import { strict as assert } from 'node:assert';
import { fetchData, storeSyncSession, type SyncHost } from '../../../store/replication/sync.js';
import { Store } from '../../../store/store.js';
import { updateToWire } from '../../../store/update-wire.js';
import { ManualClock, testRandom } from './helpers.js';

function peerWithGap(): { peer: Store; lost: Record<string, unknown> } {
  const peer = new Store('peer', { tick: 0 });
  peer.setValue(['a'], 1);
  peer.setValue(['b'], 2);
  // a third change by "other" the peer never received: it knows other's tick 2, holds only tick 1
  const other = new Store('other', { tick: 0 });
  other.setValue(['c'], 3);
  const first = other.get(['c'])!;
  peer.applyUpdate(updateToWire(first.chain!, first.path, 3, first.tock));
  other.setValue(['d'], 4);
  const d = other.get(['d'])!;
  peer.node('other', 2);
  return { peer, lost: updateToWire(d.chain!, d.path, 4, d.tock) as unknown as Record<string, unknown> };
}

function syncHost(store: Store, peer: Store, clock: ManualClock, infos: unknown[], opts: Partial<SyncHost> = {}): SyncHost & { ready: boolean } {
  const h = {
    store,
    clock,
    random: testRandom(3),
    logger: { log() {} },
    stopped: false,
    gap: () => 1,
    connect: async () => storeSyncSession(peer),
    hostPort: (): [string, number] => ['peer', 1],
    seenMissing: () => undefined,
    clearSeen: () => {},
    sendInfo: (m: Record<string, unknown>) => void infos.push(m),
    becomeReady: () => {
      store.markReady();
      h.ready = true;
    },
    force: false,
    ready: false,
    ...opts,
  };
  return h;
}

describe('store/replication/sync', () => {
  it('copies a peer, asks for what the peer lacked, and becomes ready only when nothing is missing', async () => {
    const { peer, lost } = peerWithGap();
    const clock = new ManualClock();
    const store = new Store('me');
    const infos: unknown[] = [];
    const h = syncHost(store, peer, clock, infos);
    const done = fetchData(h, ['nobody-me', 'peer']);
    await clock.run(1);
    assert.equal(store.get(['a'])?.value, 1);
    assert.equal(store.get(['c'])?.value, 3);
    assert.equal(h.ready, false, 'other/2 is missing');
    await clock.run(1_600);
    assert.deepEqual(infos, [{ missing: { other: [2] } }]);
    store.applyUpdate(lost); // somebody re-sent it
    await clock.run(10_000);
    assert.equal(await done, true);
    assert.equal(h.ready, true);
    assert.equal(store.tick, 0);
  });

  it('--force: ready at once despite missing ticks; an unreachable peer is skipped', async () => {
    const { peer } = peerWithGap();
    const clock = new ManualClock();
    const store = new Store('me');
    const h = syncHost(store, peer, clock, [], {
      force: true,
      connect: async ({ name }) => {
        if (name === 'down') throw new Error('refused');
        return storeSyncSession(peer);
      },
    });
    assert.equal(await fetchData(h, ['down', 'peer']), true);
    assert.equal(h.ready, true);
  });

  // a server restarted empty under its old name: ticks of its own name the peer lacks (lost with
  // the earlier incarnation) are asked for, then count as superseded (python waits forever)
  it('our own lost ticks are asked for, then count as superseded after 3 cycles; the sync ends and our tick continues', async () => {
    const old = new Store('me', { tick: 0 });
    old.setValue(['a'], 1);
    const first = old.get(['a'])!;
    const peer = new Store('peer', { tick: 0 });
    peer.setValue(['p'], 'x');
    peer.applyUpdate(updateToWire(first.chain!, first.path, 1, first.tock));
    peer.node('me', 3); // the earlier "me" wrote ticks 1..3; the peer got tick 1 only
    const clock = new ManualClock();
    const store = new Store('me');
    const infos: unknown[] = [];
    const h = syncHost(store, peer, clock, infos, { cycle: () => 3 });
    const done = fetchData(h, ['peer']);
    await clock.run(5_000);
    assert.equal(h.ready, false, 'still asking');
    assert.deepEqual(infos[0], { missing: { me: [[2, 4]] } });
    await clock.run(20_000);
    assert.equal(await done, true);
    assert.equal(h.ready, true);
    const me = store.knownNode('me')!;
    assert.ok(me.missing().isEmpty);
    assert.ok(me.superseded.has(2) && me.superseded.has(3));
    store.setValue(['b'], 2);
    assert.equal(store.tick, 4, 'no tick of the earlier incarnation is re-issued');
  });
});

// `deleted` ranges act only on ticks we hold or already count as gone: a deletion we never saw
// stays missing, so we fetch its tombstone (the fix for the partition property's divergence).
import { strict as assert } from 'node:assert';
import { NOT_GIVEN } from '../../../store/entry.js';
import { AwaitedPurges, keepHeldDeletions } from '../../../store/replication/held-deletions.js';
import { RangeSet } from '../../../store/range-set.js';
import { fetchData, storeSyncSession } from '../../../store/replication/sync.js';
import { Store } from '../../../store/store.js';
import { updateToWire } from '../../../store/update-wire.js';
import { ManualClock, testRandom } from './helpers.js';

/** `del` deleted p (its tick 2); `me` holds a concurrent older value of p and never saw the deletion. */
function scene(): { del: Store; me: Store; tombstone: Record<string, unknown> } {
  const del = new Store('del', { tick: 0 });
  const me = new Store('me', { tick: 0 });
  me.setValue(['p'], 'older');
  del.setValue(['q'], 1);
  del.tockSeen(100);
  del.deleteValue(['p']);
  const e = del.get(['p'])!;
  return { del, me, tombstone: updateToWire(e.chain!, e.path, NOT_GIVEN, e.tock) as unknown as Record<string, unknown> };
}

describe('store/replication/held-deletions', () => {
  it('cuts deletions we never saw; keeps held and superseded ones; leaves other fields alone', () => {
    const { del } = scene();
    const msg = { deleted: { del: [2, 7], other: [1] }, known: { del: [9] }, tock: 5 };
    // `del` holds its own tombstone (2); 7 and `other` are unknown to it
    assert.deepEqual(keepHeldDeletions(del, msg), { deleted: { del: [2] }, known: { del: [9] }, tock: 5 });
    del.node('del').superseded.add(7);
    assert.deepEqual(keepHeldDeletions(del, { deleted: { del: [2, 7] } }), { deleted: { del: [2, 7] } });
    const m = new Map<unknown, unknown>([['deleted', new Map([['del', [[2, 4]]]])]]);
    assert.deepEqual(keepHeldDeletions(del, m as never), new Map([['deleted', { del: [2] }]]));
  });

  it("a sync's get_state `deleted` (the peer's held tombstones) leaves a tombstone we hold in place", () => {
    const { del, me, tombstone } = scene();
    // the deletion came by gossip just before the sync; the peer's state lists it as deleted
    assert.equal(me.applyUpdate(tombstone), 'applied');
    const state = { deleted: { del: [2] } };
    assert.deepEqual(keepHeldDeletions(me, state, { fromState: true }), { deleted: {} });
    me.applyInfo(keepHeldDeletions(me, state, { fromState: true }), { broadcast: false });
    assert.ok(me.get(['p'])?.chain, 'still holds the tombstone');
    // a concurrent older write arriving later is beaten by it
    const older = new Store('w', { tick: 0 });
    older.setValue(['p'], 'late');
    const e = older.get(['p'])!;
    me.applyUpdate(updateToWire(e.chain!, e.path, 'late', e.tock) as never);
    assert.equal(me.get(['p'])?.value, NOT_GIVEN);
    // as a broadcast (a group member's check_deleted), a held tombstone is purged as before
    me.applyInfo(keepHeldDeletions(me, state), { broadcast: true });
    assert.equal(me.get(['p'])?.chain ?? null, null);
    void del;
  });

  it("a re-send round's `info {deleted}` keeps a held tombstone; an awaited check_deleted answer purges it", () => {
    const { me, tombstone } = scene();
    assert.equal(me.applyUpdate(tombstone), 'applied');
    const awaited = new AwaitedPurges();
    // a re-sender names the tombstone's tick (python _run_send_missing): nothing awaited from it
    const info = { known: {}, deleted: { del: [2] } };
    me.applyInfo(keepHeldDeletions(me, info), { broadcast: true, purgeOnly: awaited.purgeOnly('del', 0) });
    assert.ok(me.get(['p'])?.chain, 'still holds the tombstone');
    assert.ok(me.node('del').deleted.has(2), 'its tick counts as deleted');
    const older = new Store('w', { tick: 0 });
    older.setValue(['p'], 'late');
    const e = older.get(['p'])!;
    me.applyUpdate(updateToWire(e.chain!, e.path, 'late', e.tock) as never);
    assert.equal(me.get(['p'])?.value, NOT_GIVEN, 'the older concurrent write is beaten');
    // we sent member `m` our head ticks (resync_deleted): its answer, in time, purges them
    awaited.expect('m', new Map([['del', RangeSet.of(2)]]), 1_000);
    assert.equal(awaited.purgeOnly('del', 10).size, 0, 'another sender purges nothing');
    assert.equal(awaited.purgeOnly('m', 2_000).size, 0, 'too late');
    awaited.expect('m', new Map([['del', RangeSet.of(2)]]), 3_000);
    me.applyInfo(keepHeldDeletions(me, info), { broadcast: true, purgeOnly: awaited.purgeOnly('m', 2_500) });
    assert.equal(me.get(['p'])?.chain ?? null, null, 'purged');
  });

  it('returns the message itself when nothing is cut or the map is malformed (the store reports that)', () => {
    const { del } = scene();
    for (const msg of [{ deleted: { del: [2] } }, { deleted: 'x' }, { deleted: { del: 'x' } }, { tock: 1 }, null, 3])
      assert.equal(keepHeldDeletions(del, msg as never), msg);
  });

  it('an unseen deletion stays missing; its tombstone, once fetched, beats the older concurrent value', () => {
    const { me, tombstone } = scene();
    me.node('del', 2);
    me.applyInfo(keepHeldDeletions(me, { known: {}, deleted: { del: [2] } }), { broadcast: true });
    assert.deepEqual({ ...me.getState({ missing: true }).missing }, { del: [[1, 3]] }, 'still asks for the deletion');
    assert.equal(me.applyUpdate(tombstone), 'applied');
    assert.equal(me.get(['p'])?.value, NOT_GIVEN);
  });

  it('a sync leaves the source tombstones missing until they arrive, then becomes ready', async () => {
    const { del, tombstone } = scene();
    const me = new Store('me');
    const clock = new ManualClock();
    const infos: unknown[] = [];
    let ready = false;
    const done = fetchData(
      {
        store: me,
        clock,
        random: testRandom(5),
        logger: { log() {} },
        stopped: false,
        gap: () => 1,
        connect: async () => storeSyncSession(del),
        hostPort: () => ['del', 1],
        seenMissing: () => undefined,
        clearSeen: () => {},
        sendInfo: (m) => void infos.push(m),
        becomeReady: () => void (ready = true),
        force: false,
      },
      ['del'],
    );
    await clock.run(1);
    assert.equal(me.get(['q'])?.value, 1);
    assert.equal(ready, false, 'the tombstone (del/2) is missing');
    await clock.run(2_000);
    assert.deepEqual(infos, [{ missing: { del: [2] } }]);
    me.applyUpdate(tombstone);
    await clock.run(10_000);
    assert.ok(await done);
    assert.equal(ready, true);
    assert.ok(me.get(['p'])?.chain, 'holds the tombstone');
  });
});

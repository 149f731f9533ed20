// The pull-based repair (store/replication/pull.ts): missing ticks fetched point-to-point from a
// peer session (get_ticks from ours, get_value per tick from Python ones) before any broadcast;
// the holder's reply (`ticksReply`, the client command `get_ticks`); garbage refused.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import { DistkvClient, ServerError } from '../../../lib/client/client.js';
import type { Value } from '../../../store/codec.js';
import { NOT_GIVEN } from '../../../store/entry.js';
import { RangeSet } from '../../../store/range-set.js';
import { answersWant, infoWithin, type PullHost, type PullPeer, Puller, stillMissing, ticksReply, wantFromWire } from '../../../store/replication/pull.js';
import { storeSyncSession, type SyncSession } from '../../../store/replication/sync.js';
import { Store } from '../../../store/store.js';
import { updateToWire } from '../../../store/update-wire.js';
import { memServer } from '../../lib/client-protocol/helpers.js';
import { ManualClock, testRandom } from './helpers.js';

/** `holder` wrote a..e (ticks 1-5), then overwrote a (tick 6: tick 1 superseded) and deleted b (7). */
function holderStore(name = 'w'): Store {
  const s = new Store(name, { tick: 0 });
  for (const k of ['a', 'b', 'c', 'd', 'e']) s.setValue([k], k.toUpperCase());
  s.setValue(['a'], 'A2');
  s.deleteValue(['b']);
  return s;
}

/** A store that knows the writer's tick table but holds none of its entries. */
function lacking(name: string, writer: Store): Store {
  const s = new Store(name, { tick: 0 });
  s.node(writer.name, writer.tick);
  return s;
}

function host(store: Store, peers: PullPeer[], connect: (name: string) => SyncSession | Promise<SyncSession>, clock = new ManualClock()): PullHost {
  return {
    store,
    clock,
    random: testRandom(7),
    logger: { log() {} },
    stopped: false,
    connect: async ({ name }) => connect(name),
    hostPort: (n) => [n, 1],
    peers: () => peers,
  };
}

describe('store/replication/pull', () => {
  it('pulls every missing tick from a writer of ours: values, tombstone, superseded ticks; nothing left missing', async () => {
    const w = holderStore();
    const me = lacking('me', w);
    assert.equal(me.knownNode('w')!.missing().count(), 7);
    const used: string[] = [];
    const p = new Puller(host(me, [{ name: 'w', ours: true }], (n) => (used.push(n), storeSyncSession(w))));
    await p.pull(stillMissing(me, new Map([['w', RangeSet.span(1, 8)]])));
    assert.deepEqual(used, ['w'], 'one session');
    assert.equal(me.get(['a'])?.value, 'A2');
    assert.equal(me.get(['c'])?.value, 'C');
    assert.equal(me.get(['b'])?.value, NOT_GIVEN, 'the tombstone, kept (no `deleted` answer purges it)');
    assert.ok(me.knownNode('w')!.deleted.has(7));
    assert.ok(me.knownNode('w')!.missing().isEmpty, `left: ${JSON.stringify(me.knownNode('w')!.missing().toWire())}`);
    assert.ok(me.knownNode('w')!.superseded.has(1));
    assert.equal(p.stats.sessions, 1);
  });

  it('a Python peer (not ours) is asked get_value per tick, bounded; ticks it lacks are skipped', async () => {
    const w = holderStore();
    const me = lacking('me', w);
    const calls: number[] = [];
    const p = new Puller(
      host(me, [{ name: 'w', ours: false }], () => {
        const s = storeSyncSession(w);
        delete s.getTicks;
        const gv = s.getValue!;
        s.getValue = (n, t, nchain) => (calls.push(t), gv(n, t, nchain));
        return s;
      }),
      { perTickLimit: 4 },
    );
    await p.pull(new Map([['w', RangeSet.span(1, 8)]]));
    assert.deepEqual(calls, [1, 2, 3, 4]);
    assert.equal(me.get(['c'])?.value, 'C');
    assert.equal(me.get(['d'])?.value, 'D');
    assert.equal(me.get(['e']), undefined, 'beyond the bound');
    assert.equal(me.get(['a']), undefined, 'tick 1 is superseded there: get_value fails, skipped');
  });

  it('a writer that is no Serf member by its name (a Python server on an agent of another name) is asked get_value per tick', async () => {
    const w = holderStore();
    const me = lacking('me', w);
    const used: string[] = [];
    const p = new Puller(
      host(me, [{ name: 'agent-a', ours: false }], (n) => {
        used.push(n);
        const s = storeSyncSession(w);
        delete s.getTicks;
        return s;
      }),
    );
    await p.pull(new Map([['w', RangeSet.of(3)]]));
    assert.deepEqual(used, ['w']);
    assert.equal(me.get(['c'])?.value, 'C');
  });

  it('falls back from an unreachable writer to another peer of ours; the unreachable one is left out for a while', async () => {
    const w = holderStore();
    const other = new Store('o', { tick: 0 });
    for (const [e] of w.iterate([], { empty: true })) if (e.chain) other.applyUpdate(updateToWire(e.chain, e.path, e.value as Value, e.tock, -1));
    const me = lacking('me', w);
    const tried: string[] = [];
    const clock = new ManualClock();
    const p = new Puller(
      host(
        me,
        [
          { name: 'w', ours: true },
          { name: 'o', ours: true },
        ],
        (n) => {
          tried.push(n);
          if (n === 'w') throw new Error('unreachable');
          return storeSyncSession(other);
        },
        clock,
      ),
    );
    await p.pull(new Map([['w', RangeSet.span(1, 8)]]));
    assert.deepEqual(tried, ['w', 'o']);
    assert.equal(me.get(['e'])?.value, 'E');
    assert.equal(p.stats.failed, 1);
    me.node('w', 9);
    tried.length = 0;
    await p.pull(new Map([['w', RangeSet.of(9)]]));
    assert.deepEqual(tried, ['o'], 'w skipped');
  });

  it('nothing missing: no session at all', async () => {
    const w = holderStore();
    const me = lacking('me', w);
    let sessions = 0;
    const p = new Puller(host(me, [{ name: 'w', ours: true }], () => (sessions++, storeSyncSession(w))));
    await p.pull(new Map([['w', RangeSet.span(1, 8)]]));
    await p.pull(new Map([['w', RangeSet.span(1, 8)]]));
    assert.equal(sessions, 1);
  });

  it('a record that holds no asked tick is refused, and garbage records cost nothing', async () => {
    const w = holderStore();
    const me = lacking('me', w);
    const stranger = new Store('x', { tick: 0 });
    stranger.setValue(['evil'], 1);
    const e = stranger.get(['evil'])!;
    const forged: SyncSession = {
      tree: async function* () {},
      treeInternal: async function* () {},
      state: async () => ({}),
      async *getTicks() {
        yield { path: e.path, value: 1, chain: { node: 'x', tick: 1, prev: null }, tock: 5 };
        yield { path: ['g'], chain: { node: 'w', tick: 'x' } };
        yield { known: { w: 'garbage' } };
        yield 42;
      },
      close() {},
    };
    const p = new Puller(host(me, [{ name: 'w', ours: true }], () => forged));
    await p.pull(new Map([['w', RangeSet.span(1, 8)]]));
    assert.equal(me.get(['evil']), undefined);
    assert.equal(p.stats.refused, 3);
  });

  it('ticksReply: each entry once, then {known} of the asked ticks only (no deleted: it would purge the tombstone)', () => {
    const w = holderStore();
    const out = [...ticksReply(w, new Map([['w', RangeSet.span(1, 8)], ['nobody', RangeSet.of(1)]]))];
    assert.equal(out.length, 6, '5 entries (a, the b tombstone, c, d, e) + the info');
    assert.deepEqual(out.at(-1), { known: { w: [[1, 3]] } });
  });

  it('the client command get_ticks streams the entries; garbage gets an error', async () => {
    const w = holderStore('test1');
    const srv = memServer({ store: w });
    const c = await DistkvClient.connect({ stream: srv.connect() });
    try {
      const got: unknown[] = [];
      for await (const m of c.stream('get_ticks', { nodes: { test1: [[2, 4]] } } as never)) got.push(m);
      assert.equal(got.length, 2, 'c (tick 3; tick 2 is superseded by the deletion) + the info');
      assert.deepEqual((got[1] as Record<string, unknown>).known, { test1: [2] });
      const me = lacking('me', w);
      me.applyUpdate(got[0]);
      assert.equal(me.get(['c'])?.value, 'C');
      await assert.rejects(async () => {
        for await (const _ of c.stream('get_ticks', { nodes: { test1: 'x' } } as never));
      }, ServerError);
      await assert.rejects(async () => {
        for await (const _ of c.stream('get_ticks', { nodes: [1] } as never));
      }, ServerError);
    } finally {
      c.close();
    }
  });

  it('fuzz: the decoders take anything and throw only DecodeError', () => {
    const want = new Map([['w', RangeSet.span(1, 5)]]);
    const only = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    };
    fc.assert(
      fc.property(fc.anything({ withMap: true, withNullPrototype: true }), (x) => {
        only(() => wantFromWire(x));
        only(() => infoWithin(x, want));
        only(() => answersWant(x, want));
        only(() => wantFromWire({ w: x }));
        only(() => infoWithin({ known: { w: x }, deleted: x }, want));
        only(() => answersWant({ path: [], chain: { node: 'w', tick: x, prev: x } }, want));
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

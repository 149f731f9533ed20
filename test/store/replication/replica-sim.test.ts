// Replicas (the real code: Store + Replica + our Serf on our memberlist, lib/sim/replica-node.ts
// without the simulated disk) in the deterministic simulator: a seeded node and empty nodes that
// sync from it over the client protocol (simulated streams to its client port), writes everywhere
// converge, with loss, and a partition with writes on both sides heals to identical stores
// (fast-check scenarios).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { replicaFactory, type ReplicaSimNode } from '../../../lib/sim/replica-node.js';
import { Simulation } from '../../../sim/simulation.js';
import { NOT_GIVEN, walk } from '../../../store/entry.js';
import type { Replica } from '../../../store/replica.js';
import type { Store } from '../../../store/store.js';

const name = (i: number) => `n${i}`;

function snapshot(store: Store): string {
  const out: string[] = [];
  // long strings by length and ends: the convergence check runs after every simulated event
  const show = (v: unknown) => (typeof v === 'string' && v.length > 64 ? `${v.slice(0, 8)}…${v.length}…${v.slice(-8)}` : JSON.stringify(v));
  for (const [e] of walk(store.root, { full: true })) if (e.value !== NOT_GIVEN) out.push(`${e.path.toString()}=${show(e.value)}`);
  return out.join('\n');
}

interface ClusterOpts {
  /** Big values by notice + fetch; nodes in `noFetch` cannot fetch (fall back to gap repair). */
  big?: { noFetch: ReadonlySet<string> };
}

/**
 * The replication pull (store/replication/pull.ts) is on, as lib/node.ts runs it; REPLICA_PULL=0
 * turns it off. With it on, seed 42 once found two divergences, fixed by get_ticks no longer
 * answering `deleted` (a puller purged the tombstone it had just pulled); the cases (REPLICA_EXAMPLE=…):
 *   [1,1,[{"side":true,"node":0,"key":0,"del":false},{"side":false,"node":0,"key":0,"del":true}],1,0]
 *   [1,2,[{"side":false,"node":0,"key":0,"del":false},{"side":false,"node":0,"key":4,"del":true},
 *   {"side":false,"node":0,"key":0,"del":false},{"side":false,"node":0,"key":0,"del":false},
 *   {"side":true,"node":0,"key":4,"del":false},{"side":true,"node":329271301,"key":0,"del":false},
 *   {"side":true,"node":0,"key":1,"del":false}],2,0]
 */
const PULL = process.env.REPLICA_PULL !== '0';

async function cluster(seed: number, n: number, loss = 0, eventBuffer?: number, fastDelete = false, more: ClusterOpts = {}): Promise<Simulation<ReplicaSimNode>> {
  const sim = new Simulation<ReplicaSimNode>({ seed, link: { loss }, log: { level: 'error' } });
  // no disk: a crash loses the node's state, it restarts empty and syncs
  const factory = replicaFactory(sim, {
    durable: false,
    pull: PULL,
    // a tiny buffer keeps Serf's push-pull from replaying what a partition missed, so DistKV's
    // own recovery has to do it
    ...(eventBuffer ? { eventBuffer } : {}),
    ...(fastDelete ? { deletePing: { cycle: 6, gap: 2, n_hosts: 3 } } : {}),
    // (noFetch is read at each connect, so a test can change it as it goes)
    ...(more.big ? { bigValueBytes: 4096, noFetch: more.big.noFetch } : {}),
    ...(process.env.REPLICA_SESSIONS === 'in-process' ? { syncSessions: 'in-process' as const } : {}),
  });
  for (let i = 0; i < n; i++) await sim.addNode(name(i), factory);
  return sim;
}

function replicas(sim: Simulation<ReplicaSimNode>): Replica[] {
  return sim.upNames().map((n) => sim.node(n)!.replica);
}

function converged(sim: Simulation<ReplicaSimNode>): boolean {
  const rs = replicas(sim);
  if (!rs.every((r) => r.ready)) return false;
  const first = snapshot(rs[0]!.store);
  return rs.every((r) => snapshot(r.store) === first);
}

async function stopAll(sim: Simulation<ReplicaSimNode>): Promise<void> {
  for (const n of sim.upNames()) await sim.stop(n);
}

describe('store/replica in the simulator', function () {
  this.timeout(120_000);

  it('empty nodes sync from the seeded one and become ready; writes everywhere converge', async () => {
    const sim = await cluster(1, 4);
    assert.ok(await sim.runUntil(() => replicas(sim).every((r) => r.ready), 60_000), 'all ready');
    for (const r of replicas(sim)) assert.equal(r.store.get([])?.value, 'seed');
    replicas(sim).forEach((r, i) => r.store.setValue(['k', i], `v${i}`));
    replicas(sim)[1]!.store.setValue(['big'], 'x'.repeat(3000)); // split into _p0 parts
    assert.ok(await sim.runUntil(() => converged(sim), 30_000), 'converged');
    const s = snapshot(replicas(sim)[0]!.store);
    assert.ok(s.includes('k:3="v3"'), s);
    assert.equal(replicas(sim)[2]!.store.get(['big'])?.value, 'x'.repeat(3000));
    await stopAll(sim);
  });

  it('writes converge under 20 % packet loss (gap repair fills what gossip lost)', async () => {
    const sim = await cluster(2, 4);
    assert.ok(await sim.runUntil(() => replicas(sim).every((r) => r.ready), 60_000), 'all ready');
    sim.setLink({ loss: 0.2 });
    for (let k = 0; k < 20; k++) {
      const rs = replicas(sim);
      rs[k % rs.length]!.store.setValue(['w', k], k);
      await sim.runFor(200);
    }
    sim.setLink({ loss: 0 });
    assert.ok(await sim.runUntil(() => converged(sim), 90_000), 'converged after loss');
    assert.equal(replicas(sim)[0]!.store.enumerate(['w']).length, 20);
    await stopAll(sim);
  });

  it('deletion GC: with a deleter group, tombstones are purged on every node', async () => {
    const sim = await cluster(3, 3, 0, undefined, true);
    assert.ok(await sim.runUntil(() => replicas(sim).every((r) => r.ready), 60_000), 'all ready');
    const [r0, r1] = replicas(sim);
    r0!.store.setValue([null, 'actor', 'del'], { nodes: [name(0), name(1), name(2)] });
    r1!.store.setValue(['gone'], 'soon');
    r1!.store.setValue(['stays'], 'here');
    await sim.runFor(2_000);
    r0!.store.deleteValue(['gone']);
    await sim.runFor(2_000);
    for (const r of replicas(sim)) {
      assert.equal(r.deleteGc.nNodes, 3, `${r.store.name} knows the group`);
      assert.ok(r.store.get(['gone']), `${r.store.name} holds the tombstone`);
    }
    const purged = () => replicas(sim).every((r) => r.store.get(['gone']) === undefined);
    assert.ok(await sim.runUntil(purged, 900_000), `purged: ${replicas(sim).map((r) => `${r.store.name}:${JSON.stringify(r.deleteGc.stats)} pending ${r.deleteGc.pending} hist ${r.delActor.history} en ${r.delActor.enabled} cfg ${JSON.stringify(r.delActor.config)} val ${JSON.stringify(r.delActor.value)}`).join(' ')}`);
    for (const r of replicas(sim)) assert.equal(r.store.get(['stays'])?.value, 'here');
    assert.ok(converged(sim));
    await stopAll(sim);
  });

  it('is deterministic: the same seed gives the same trace and stores', async () => {
    const once = async () => {
      const sim = await cluster(11, 3, 0.05);
      await sim.runUntil(() => replicas(sim).every((r) => r.ready), 60_000);
      replicas(sim).forEach((r, i) => r.store.setValue(['d', i], 'y'.repeat(600 * i)));
      await sim.runFor(20_000);
      const out = `${sim.traceHash()} ${replicas(sim).map((r) => snapshot(r.store)).join('|')}`;
      await stopAll(sim);
      return out;
    };
    assert.equal(await once(), await once());
  });

  it('test_recover-like: 8 nodes, 10 % loss on every link, 8×5 writes ⇒ every node has all 40 values', async () => {
    const sim = await cluster(5, 8);
    assert.ok(await sim.runUntil(() => replicas(sim).every((r) => r.ready), 90_000), 'all ready');
    sim.setLink({ loss: 0.1 });
    for (let round = 0; round < 5; round++)
      for (const r of replicas(sim)) {
        r.store.setValue(['r', r.store.name, round], round);
        await sim.runFor(100);
      }
    assert.ok(await sim.runUntil(() => converged(sim), 180_000), 'converged under loss');
    for (const r of replicas(sim)) assert.equal([...r.store.iterate(['r'])].length, 40, r.store.name);
    await stopAll(sim);
  });

  it('big values between our servers: a notice, then a fetch (gap repair where the fetch fails)', async () => {
    const noFetch = new Set<string>();
    const sim = await cluster(21, 4, 0, undefined, false, { big: { noFetch } });
    assert.ok(await sim.runUntil(() => replicas(sim).every((r) => r.ready), 60_000), 'all ready');
    const [r0, r1] = replicas(sim);
    const sentBefore = r1!.stats.sent;
    const huge = 'z'.repeat(1 << 20);
    r1!.store.setValue(['huge'], huge);
    r1!.store.setValue(['small'], 'tiny');
    await sim.runFor(100);
    assert.equal(r1!.stats.notices, 1);
    assert.ok(r1!.stats.sent - sentBefore <= 3, `events for a 1 MiB value: ${r1!.stats.sent - sentBefore}`);
    assert.ok(await sim.runUntil(() => converged(sim), 60_000), 'converged');
    assert.equal(r0!.store.get(['huge'])?.value, huge);
    assert.equal(replicas(sim)[3]!.stats.bigFetched, 1);
    // n3 cannot fetch: a 20 kB value reaches it through gap repair (python-style parts)
    noFetch.add(name(3));
    r1!.store.setValue(['medium'], 'm'.repeat(20_000));
    assert.ok(await sim.runUntil(() => converged(sim), 60_000), 'converged without the fetch');
    assert.equal(replicas(sim)[3]!.stats.bigFetched, 1, 'n3 got it by gap repair instead');
    await stopAll(sim);
  });

  const recoveries: string[] = [];
  after(() => console.log(`      partition runs (distinct stores before heal : updates re-sent): ${recoveries.join(' ')}`));

  // Counterexamples the property found, fixed (seed, cut, ops, crash, loss). Found on this file's
  // earlier cluster (joins to n0 only, in-process sessions); on replicaFactory's the same seeds
  // take other paths: three more fixed cases, checked for what each fix was about.
  const REGRESSIONS: [string, string, (stores: Store[]) => void][] = [
    [
      // the restarted n3 learnt n0's deletion tick from get_state `deleted` only, answered n2's
      // request for it with `known` + `deleted`: n0/n1 purged their tombstone and n2 kept its
      // older value (store/replication/held-deletions.ts)
      'a deletion vs a concurrent write, a crash and 5 % loss: the tombstone (higher tock) wins everywhere',
      '[583194,2,[{"side":false,"node":0,"key":0,"del":false},{"side":false,"node":0,"key":0,"del":false},{"side":false,"node":0,"key":2,"del":false},' +
        '{"side":true,"node":0,"key":0,"del":false},{"side":true,"node":0,"key":0,"del":false},{"side":true,"node":7,"key":0,"del":false},' +
        '{"side":false,"node":0,"key":0,"del":false},{"side":true,"node":0,"key":2,"del":true},{"side":true,"node":382344139,"key":1,"del":false}],3,0.05]',
      (stores) => {
        for (const st of stores) {
          assert.equal(st.get(['p', 2])?.value, NOT_GIVEN, `${st.name}: p:2 is deleted`);
          assert.ok(st.get(['p', 2])?.chain, `${st.name}: holds the tombstone`);
        }
      },
    ],
    [
      // n1 wrote p:1 and crashed inside the partition; at the heal the actor saw a plain collision
      // (histories of one name), no recovery ran, n1 never got onto the ping chain: n2/n3 never
      // learnt n1's tick 1 (store/replication/tick-announcer.ts)
      'a writer that crashed inside the partition: the other side learns its tick and fetches the write',
      '[999980,2,[{"side":true,"node":0,"key":0,"del":false},{"side":true,"node":273281985,"key":1,"del":false},{"side":false,"node":0,"key":0,"del":false}],1,0]',
      (stores) => {
        for (const st of stores) assert.equal(st.get(['p', 1])?.value, 'n1-1', st.name);
      },
    ],
    [
      // n2 wrote p:0..p:4 and crashed; restarted empty, it waited for its own ticks, which n3
      // re-sent a few per round: it gave tick 1 up (superseded) 0.7 s before p:0 came, then
      // refused it as stale (sync.ts: the 3 cycles now count from the last own tick that arrived)
      'a writer restarted empty gets all its old writes back, however slowly they are re-sent',
      '[1,2,[{"side":false,"node":0,"key":0,"del":false},{"side":false,"node":0,"key":1,"del":false},{"side":false,"node":0,"key":4,"del":false},' +
        '{"side":false,"node":0,"key":3,"del":false},{"side":false,"node":165778616,"key":2,"del":false}],2,0]',
      (stores) => {
        for (const st of stores) for (let k = 0; k < 5; k++) assert.equal(st.get(['p', k])?.value, `n2-${k}`, `${st.name} p:${k}`);
      },
    ],
  ];
  for (const [title, json, check] of REGRESSIONS)
    it(`regression: ${title}`, async () => {
      const [seed, cut, ops, crash, loss] = JSON.parse(json) as PartitionCase;
      check(await partitionRun(seed, cut, ops, crash, loss));
    });

  it('property: a partition with writes (and deletes) on both sides heals to identical stores', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.record({ side: fc.boolean(), node: fc.nat(), key: fc.integer({ min: 0, max: 5 }), del: fc.boolean() }), { minLength: 1, maxLength: 10 }),
        fc.option(fc.integer({ min: 0, max: 3 })),
        fc.constantFrom(0, 0.05, 0.2),
        async (seed, cut, ops, crash, loss) => {
          await partitionRun(seed, cut, ops, crash, loss);
        },
      ),
      {
        numRuns: Number(process.env.REPLICA_RUNS ?? 40),
        seed: process.env.REPLICA_SEED === 'random' ? Date.now() : Number(process.env.REPLICA_SEED ?? 42),
        ...(process.env.REPLICA_EXAMPLE ? { examples: [JSON.parse(process.env.REPLICA_EXAMPLE)], numRuns: 1 } : {}),
      },
    );
  });

  type Op = { side: boolean; node: number; key: number; del: boolean };
  type PartitionCase = [number, number, Op[], number | null, number];

  /** 4 nodes, cut at `cut`, `ops` on both sides, a crash, loss, heal: must converge. Returns the stores. */
  async function partitionRun(seed: number, cut: number, ops: Op[], crash: number | null, loss: number): Promise<Store[]> {
    const n = 4;
    const sim = await cluster(seed, n, 0, 2);
    try {
      assert.ok(await sim.runUntil(() => replicas(sim).every((r) => r.ready), 60_000), 'all ready');
      replicas(sim)[0]!.store.setValue(['pre'], 1);
      await sim.runFor(3_000);
      const a = [...Array(n).keys()].filter((i) => i < cut).map(name);
      const b = [...Array(n).keys()].filter((i) => i >= cut).map(name);
      const heal = sim.partition([a, b]);
      await sim.runFor(10_000);
      for (const op of ops) {
        const group = op.side ? a : b;
        const r = sim.node(group[op.node % group.length]!)!.replica;
        if (op.del) r.store.deleteValue(['p', op.key]);
        else r.store.setValue(['p', op.key], `${r.store.name}-${op.key}`);
        await sim.runFor(500);
      }
      // a crash loses the node's state (no durable store here): it restarts empty and syncs
      if (crash !== null) sim.crash(name(crash));
      sim.setLink({ loss });
      await sim.runFor(5_000);
      const before = replicas(sim).map((r) => snapshot(r.store));
      heal();
      if (crash !== null) await sim.restart(name(crash));
      await sim.runFor(10_000);
      sim.setLink({ loss: 0 });
      const ok = await sim.runUntil(() => converged(sim), 120_000);
      recoveries.push(`${new Set(before).size}:${replicas(sim).reduce((x, r) => x + r.gapRepair.stats.resent, 0)}`);
      assert.ok(ok, `not converged (seed ${seed}, crash ${crash}, loss ${loss}):\n${replicas(sim).map((r) => `${r.store.name}: ${snapshot(r.store).replace(/\n/g, ' ')} ready ${r.ready} ${JSON.stringify(r.store.getState({ nodes: true, missing: true, known: true, remote_missing: true }))} gr ${JSON.stringify(r.gapRepair.stats)} hist ${r.actor.history} st ${JSON.stringify(r.stats)}`).join('\n')}`);
      return replicas(sim).map((r) => r.store);
    } finally {
      await stopAll(sim);
    }
  }
});

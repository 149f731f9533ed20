// The simulator's client port (lib/sim/client-port.ts): a simulated server answers the real
// client protocol, and lib/node's sync sessions reach it over simulated streams, with the faults
// and the virtual clock applying to them.
import { strict as assert } from 'node:assert';
import { replicaFactory, type ReplicaSimNode } from '../../../lib/sim/replica-node.js';
import { SIM_CLIENT_PORT, simSyncConnector } from '../../../lib/sim/client-port.js';
import { Simulation, type SimRuntime } from '../../../sim/simulation.js';
import { Encoder, type Value } from '../../../store/codec.js';
import { Path } from '../../../store/path.js';
import type { SyncSession } from '../../../store/replication/sync.js';

/** n0 (seeds), n1 (syncs from it), and bare nodes `c` (the test dials from it) and `m`. */
async function world(seed: number): Promise<{ sim: Simulation<ReplicaSimNode>; c: () => SimRuntime; m: () => SimRuntime }> {
  const sim = new Simulation<ReplicaSimNode>({ seed, log: { level: 'error' } });
  const factory = replicaFactory(sim, { durable: false });
  const bare = new Map<string, SimRuntime>();
  sim.define('n0', factory);
  sim.define('n1', factory);
  for (const n of ['c', 'm'])
    sim.define(n, ((r: SimRuntime) => {
      bare.set(n, r);
      return { stop() {} };
    }) as never);
  for (const n of sim.names()) await sim.start(n);
  assert.ok(await sim.runUntil(() => ['n0', 'n1'].every((n) => sim.node(n)!.replica.ready), 60_000), 'ready');
  return { sim, c: () => bare.get('c')!, m: () => bare.get('m')! };
}

function connector(sim: Simulation<ReplicaSimNode>, rt: SimRuntime, requestTimeoutMs?: number) {
  return simSyncConnector(rt, (h) => (sim.names().includes(h) ? sim.addrOf(h) : undefined), requestTimeoutMs ? { requestTimeoutMs } : {});
}

/** Settles `p` while the simulation runs; its outcome as 'ok' or the error's message. */
async function outcome<T>(sim: Simulation<ReplicaSimNode>, p: Promise<T>, ms = 120_000): Promise<{ at: number; result: T | string }> {
  let done: { at: number; result: T | string } | undefined;
  p.then(
    (v) => (done = { at: sim.now(), result: v }),
    (e: unknown) => (done = { at: sim.now(), result: String(e) }),
  );
  await sim.runUntil(() => done !== undefined, ms);
  assert.ok(done, 'settled');
  return done;
}

async function collect(it: AsyncIterable<unknown>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const m of it) out.push(m as Record<string, unknown>);
  return out;
}

async function stopAll(sim: Simulation<ReplicaSimNode>): Promise<void> {
  for (const n of sim.upNames()) await sim.stop(n);
}

describe('lib/sim/client-port: the client protocol over simulated streams', function () {
  this.timeout(60_000);

  it('get_tree / get_tree_internal (full paths again), get_state, get_value and check_deleted answer as a server does', async () => {
    const { sim, c } = await world(1);
    const st = sim.node('n0')!.store;
    st.setValue(['a', 'b', 'c'], 1);
    st.setValue(['a', 'd'], 'x'.repeat(20_000));
    const tick = st.get(['a', 'd'])!.chain![1] as number;
    const opened = sim.stats().streams.opened;
    const s = (await outcome(sim, connector(sim, c())({ name: 'n0', host: 'n0', port: SIM_CLIENT_PORT }))).result as SyncSession;
    assert.equal(typeof s, 'object', String(s));
    const tree = (await outcome(sim, collect(s.tree()))).result as Record<string, unknown>[];
    const paths = tree.map((r) => (r.path as Path).toString());
    assert.deepEqual(paths.sort(), [':', 'a.b.c', 'a.d'], paths.join(' '));
    assert.ok(tree.every((r) => !('depth' in r)));
    const meta = (await outcome(sim, collect(s.treeInternal()))).result as Record<string, unknown>[];
    assert.ok(meta.every((r) => (r.path as Path).elements[0] === null), 'meta paths start with null');
    const state = (await outcome(sim, s.state())).result as Record<string, Value>;
    assert.ok((state.nodes as Record<string, number>).n0! >= tick, JSON.stringify(state));
    const v = (await outcome(sim, s.getValue!('n0', tick))).result as Record<string, Value>;
    assert.equal(v.value, 'x'.repeat(20_000));
    assert.equal((await outcome(sim, s.checkDeleted!({ n0: [] }))).result, undefined);
    s.close();
    assert.equal(sim.stats().streams.opened, opened + 1, 'one stream to the client port');
    await stopAll(sim);
  });

  it('an unreachable peer fails the connect (partition: timed out on the virtual clock; down: refused)', async () => {
    const { sim, c } = await world(2);
    const connect = connector(sim, c());
    sim.partition([['c'], ['n0', 'n1']]);
    const t0 = sim.now();
    const cut = await outcome(sim, connect({ name: 'n0', host: 'n0', port: SIM_CLIENT_PORT }));
    assert.match(String(cut.result), /timed out after 5000 ms/);
    assert.equal(cut.at - t0, 5000);
    sim.heal();
    sim.crash('n1');
    assert.match(String((await outcome(sim, connect({ name: 'n1', host: 'n1', port: SIM_CLIENT_PORT }))).result), /refused/);
    await stopAll(sim);
  });

  it('a crash of the peer mid-stream breaks the iteration', async () => {
    const { sim, c } = await world(3);
    const st = sim.node('n0')!.store;
    for (let i = 0; i < 300; i++) st.setValue(['k', i], i);
    const s = (await outcome(sim, connector(sim, c())({ name: 'n0', host: 'n0', port: SIM_CLIENT_PORT }))).result as SyncSession;
    let got = 0;
    const it = (async () => {
      for await (const _ of s.tree()) if (++got === 20) sim.crash('n0');
    })();
    const r = await outcome(sim, it);
    assert.match(String(r.result), /ClientClosedError: connection broke/);
    assert.ok(got >= 20 && got < 300, `records before the break: ${got}`);
    await stopAll(sim);
  });

  it('a peer that greets and then never answers: the request times out on the virtual clock', async () => {
    const { sim, c, m } = await world(4);
    const greeting = new Encoder().encode({ seq: 0, version: [0, 57, 4], node: 'm', tick: 1, tock: 1, qlen: 10 });
    m().listen(SIM_CLIENT_PORT).onStream((st) => st.write(greeting));
    const s = (await outcome(sim, connector(sim, c(), 7_000)({ name: 'm', host: 'm', port: SIM_CLIENT_PORT }))).result as SyncSession;
    assert.equal(typeof s, 'object', String(s));
    const t0 = sim.now();
    const r = await outcome(sim, s.state());
    assert.match(String(r.result), /get_state: no reply from m:27586 within 7000 ms/);
    // (the rejection settles a few promise turns after the timer: by the next event at the latest)
    assert.ok(r.at - t0 >= 7000 && r.at - t0 < 7050, `${r.at - t0}`);
    await stopAll(sim);
  });

  it('a server that is not ready keeps its client port closed', async () => {
    const { sim, c } = await world(5);
    sim.partition([['n1'], ['n0']]);
    await sim.restart('n1'); // empty (no disk here) and cut off from n0: never ready
    await sim.runFor(10_000);
    assert.equal(sim.node('n1')!.replica.ready, false);
    assert.match(String((await outcome(sim, connector(sim, c())({ name: 'n1', host: 'n1', port: SIM_CLIENT_PORT }))).result), /refused/);
    await stopAll(sim);
  });
});

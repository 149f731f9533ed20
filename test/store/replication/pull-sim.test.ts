// The pull-based repair in the simulator (real Replicas, lib/sim/replica-node.ts): after a 5/5
// split with writes on both sides, our servers fetch what they lack over peer sessions, so the
// heal needs no broadcast re-sends at all; python's way (pull off) re-sends by broadcast. Serf's
// event buffer is tiny, so its push-pull cannot replay what the partition missed.
import { strict as assert } from 'node:assert';
import { replicaFactory, type ReplicaSimNode } from '../../../lib/sim/replica-node.js';
import { ticksAgree } from '../../../lib/sim/replica-check.js';
import { storesConverged } from '../../../lib/sim/replica-protocol.js';
import { nodeNames } from '../../../sim/scenario.js';
import { Simulation } from '../../../sim/simulation.js';

async function healRun(pull: boolean): Promise<{ converged: boolean; resent: number; pulled: number; ms: number }> {
  const sim = new Simulation<ReplicaSimNode>({ seed: 'pull-sim', link: { latencyMs: 1, jitterMs: 1 }, log: { level: 'error' } });
  const factory = replicaFactory(sim, { durable: false, eventBuffer: 4, ping: { cycle: 3, gap: 1 }, preloaded: {}, pull, bigValueBytes: 4096 });
  for (const n of nodeNames(10)) sim.define(n, factory);
  for (const n of sim.names()) await sim.start(n);
  try {
    const nodes = sim.names().map((n) => sim.node(n)!);
    nodes[0]!.store.setValue(['k'], 'seed');
    await sim.runFor(10_000);
    const names = sim.names();
    const [a, b] = [names.slice(0, 5), names.slice(5)];
    sim.partition([a, b]);
    await sim.runFor(5_000);
    for (let i = 0; i < 40; i++) {
      const side = i % 2 ? b : a;
      sim.node(side[i % 5]!)!.store.setValue(['k', i % 13], `v${i}`);
      await sim.runFor(20);
    }
    // a big value (notice + fetch on its own side) the other side lacks after the heal
    sim.node(b[0]!)!.store.setValue(['big'], 'x'.repeat(20_000));
    await sim.runFor(5_000);
    const resent0 = nodes.reduce((s, x) => s + x.replica.gapRepair.stats.resent, 0);
    const t0 = sim.now();
    sim.heal();
    let converged = false;
    const check = sim.every(100, () => {
      if (ticksAgree(nodes.map((x) => ({ store: x.store, ready: x.replica.ready })))) converged = storesConverged(sim);
    });
    await sim.runUntil(() => converged, 300_000);
    check.cancel();
    return {
      converged,
      resent: nodes.reduce((s, x) => s + x.replica.gapRepair.stats.resent, 0) - resent0,
      pulled: nodes.reduce((s, x) => s + x.replica.puller.stats.applied, 0),
      ms: sim.now() - t0,
    };
  } finally {
    for (const n of sim.names()) await sim.stop(n);
  }
}

describe('store/replication/pull in the simulator', function () {
  this.timeout(120_000);

  it('a 5/5 heal (and a big value): pulled point-to-point, no broadcast re-sends; python way re-sends (same seed)', async () => {
    const on = await healRun(true);
    assert.ok(on.converged, 'pull on: converged');
    assert.ok(on.pulled > 0, 'entries were pulled');
    assert.equal(on.resent, 0, `re-sends with pull on: ${on.resent}`);
    const off = await healRun(false);
    assert.ok(off.converged, 'pull off: converged');
    assert.equal(off.pulled, 0);
    assert.ok(off.resent > 0, 'python way re-sends');
  });
});

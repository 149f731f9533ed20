import { strict as assert } from 'node:assert';
import { loadProtocol } from '../../../sim/protocols.js';
import { runScenario } from '../../../sim/scenario.js';
import { Simulation } from '../../../sim/simulation.js';
import type { MemberlistSimNode } from '../../../lib/sim/memberlist-protocol.js';

describe('`distkv sim --protocol memberlist`', () => {
  it('is registered, converges, and replays to the same trace hash', async () => {
    const hashes: string[] = [];
    for (let i = 0; i < 2; i++) {
      const p = await loadProtocol('memberlist');
      const sim = new Simulation<MemberlistSimNode>({ seed: 3 });
      const factory = p.factory({ nodes: 12, durationMs: 20_000, params: { profile: 'local' } });
      await runScenario(sim, { nodes: 12, durationMs: 20_000, steps: [{ at: 10_000, op: 'crash', nodes: ['n5'] }] }, { factory, actions: p.actions });
      const s = p.summary(sim) as Record<string, unknown>;
      assert.equal(s.liveNodes, 11);
      assert.equal(s.converged, true, JSON.stringify(s));
      assert.equal(s.falseDeadDeclarations, 0);
      hashes.push(sim.traceHash());
    }
    assert.equal(hashes[0], hashes[1]);
  });
});

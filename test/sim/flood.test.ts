import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { floodCoverage } from '../../sim/flood-protocol.js';
import { describeFloodId, floodId, FloodNode } from '../../sim/flood.js';
import { runScenario } from '../../sim/scenario.js';
import { assertProperty, scenarioArb, settle } from '../../sim/scenario-arb.js';
import { Simulation } from '../../sim/simulation.js';

const HEAL_AT = 20_000;
const QUIET = 30_000;
const FLOOD = { publishEveryMs: 2000, publishUntilMs: HEAL_AT, syncEveryMs: 1000, syncTimeoutMs: 500 };

describe('sim/flood', () => {
  it('ids pack origin, life and sequence', () => {
    assert.equal(describeFloodId(floodId(1000, 3, 16_000_000)), 'n1000.3.16000000');
  });

  it('floods to every node on a clean network', async () => {
    const sim = new Simulation<FloodNode>({ seed: 'clean' });
    await runScenario(sim, { nodes: 20, durationMs: 10_000, steps: [] }, { factory: (rt) => new FloodNode(rt, { ...FLOOD, publishUntilMs: 5000 }) });
    const c = floodCoverage(sim);
    assert.ok(c.published > 20);
    assert.equal(c.known, c.published);
    assert.ok(c.complete);
  });

  it('property: after heal + a quiet period, every live node holds every message any live node holds', async () => {
    await assertProperty(
      fc.record({ sc: scenarioArb({ nodes: 5, activeMs: HEAL_AT, maxSteps: 10, actions: ['publish'] }), seed: fc.nat() }),
      async ({ sc, seed }) => {
        const sim = new Simulation<FloodNode>({ seed });
        await runScenario(sim, settle(sc, HEAL_AT, QUIET), {
          factory: (rt) => new FloodNode(rt, FLOOD),
          actions: { publish: (s, step) => void s.node(step.nodes![0]!)?.publish() },
        });
        const c = floodCoverage(sim);
        assert.ok(c.complete, `live nodes disagree: ${c.minHeld} of ${c.known} held by the poorest`);
      },
      { numRuns: 30 },
    );
  });
});

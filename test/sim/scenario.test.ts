import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseScenario, runScenario, toMs } from '../../sim/scenario.js';
import { Simulation } from '../../sim/simulation.js';
import { probe, Probe } from './helpers.js';

describe('sim/scenario', () => {
  it('parses JSON scenarios with durations in ms or with units', () => {
    const s = parseScenario({
      name: 'demo',
      nodes: 3,
      duration: '30s',
      steps: [
        { at: '1s', op: 'partition', groups: [['n1'], ['n2', 'n3']], oneWay: true },
        { at: 2000, op: 'link', loss: 0.2, from: ['n1'], to: 'n2' },
        { at: '2.5s', op: 'pause', node: 'n3', forMs: '500ms' },
        { at: 3000, op: 'heal' },
        { at: 4000, op: 'action', name: 'publish', nodes: ['n1'] },
      ],
    });
    assert.equal(s.durationMs, 30_000);
    assert.deepEqual(s.steps[0], { at: 1000, op: 'partition', groups: [['n1'], ['n2', 'n3']], oneWay: true });
    assert.deepEqual(s.steps[1], { at: 2000, op: 'link', loss: 0.2, from: ['n1'], to: ['n2'] });
    assert.deepEqual(s.steps[2], { at: 2500, op: 'pause', nodes: ['n3'], forMs: 500 });
    assert.equal(toMs('1.5m', 'x'), 90_000);
  });

  it('rejects malformed scenarios, naming the bad step', () => {
    assert.throws(() => parseScenario(null), /expected an object/);
    assert.throws(() => parseScenario({ nodes: 0, steps: [] }), /scenario.nodes/);
    assert.throws(() => parseScenario({ nodes: 2, steps: [{ at: 1, op: 'explode' }] }), /steps\[0\].op: unknown op/);
    assert.throws(() => parseScenario({ nodes: 2, steps: [{ at: 1, op: 'crash', nodes: ['n9'] }] }), /steps\[0\].nodes: unknown node n9/);
    assert.throws(() => parseScenario({ nodes: 2, steps: [{ at: 'soon', op: 'heal' }] }), /steps\[0\].at/);
    assert.throws(() => parseScenario({ nodes: 2, steps: [{ at: 1, op: 'partition', groups: [['n1']] }] }), /two or more groups/);
  });

  it('applies each step at its virtual time, custom actions included', async () => {
    const sim = new Simulation<Probe>({ seed: 'steps', link: { latencyMs: 1, jitterMs: 0 } });
    const acted: number[] = [];
    const sc = parseScenario({
      nodes: 2,
      duration: 1000,
      steps: [
        { at: 100, op: 'crash', nodes: ['n2'] },
        { at: 200, op: 'action', name: 'ping', nodes: ['n1'] },
        { at: 300, op: 'restart', nodes: ['n2'] },
        { at: 400, op: 'action', name: 'ping', nodes: ['n1'] },
      ],
    });
    await runScenario(sim, sc, {
      factory: (rt) => new Probe(rt),
      actions: {
        ping: (s, step) => {
          acted.push(s.now());
          probe(s, step.nodes![0]!).send('n2', 7);
        },
      },
    });
    assert.deepEqual(acted, [200, 400]);
    assert.equal(sim.now(), 1000);
    assert.deepEqual(probe(sim, 'n2').got.map((g) => g.t), [401]);
    assert.equal(sim.stats().dropped.down, 1);
  });

  it('a step naming an unknown action fails the run', async () => {
    const sim = new Simulation<Probe>({ seed: 'x' });
    await assert.rejects(
      runScenario(sim, { nodes: 1, durationMs: 100, steps: [{ at: 10, op: 'action', name: 'nope' }] }, { factory: (rt) => new Probe(rt) }),
      /action 'nope' is not defined/,
    );
  });
});

describe('sim/scenario-arb', () => {
  it('a failing property reports a seed and path that replay the same shrunk case', async () => {
    const { assertProperty, PropertyFailure } = await import('../../sim/scenario-arb.js');
    const arb = fc.array(fc.integer({ min: 0, max: 1000 }));
    const check = async (xs: number[]) => assert.ok(xs.reduce((a, b) => a + b, 0) < 500);
    let first: InstanceType<typeof PropertyFailure> | undefined;
    try {
      await assertProperty(arb, check, { numRuns: 200, seed: 12345, quiet: true });
    } catch (e) {
      first = e as InstanceType<typeof PropertyFailure>;
    }
    assert.ok(first instanceof PropertyFailure);
    assert.match(first.message, /replay: SIM_SEED=12345 SIM_PATH=\S+/);
    assert.match(first.message, /counterexample: /);
    const again = await assertProperty(arb, check, { seed: first.seed, path: first.path, quiet: true }).catch((e) => e);
    assert.deepEqual(again.counterexample, first.counterexample);
  });
});

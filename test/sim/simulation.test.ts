import { strict as assert } from 'node:assert';
import { sleep } from '../../gossip/runtime.js';
import { FloodNode } from '../../sim/flood.js';
import { runScenario, type Scenario } from '../../sim/scenario.js';
import { Simulation } from '../../sim/simulation.js';
import { probe, probes } from './helpers.js';

const SCENARIO: Scenario = {
  nodes: 8,
  durationMs: 20_000,
  steps: [
    { at: 2000, op: 'link', loss: 0.1, duplicate: 0.02, reorder: 0.05 },
    { at: 4000, op: 'partition', groups: [['n1', 'n2', 'n3'], ['n4', 'n5', 'n6', 'n7', 'n8']] },
    { at: 5000, op: 'crash', nodes: ['n5'] },
    { at: 6000, op: 'pause', nodes: ['n2'], forMs: 1500 },
    { at: 9000, op: 'heal' },
    { at: 10000, op: 'restart', nodes: ['n5'] },
    { at: 12000, op: 'partition', groups: [['n8'], ['n1']], oneWay: true },
    { at: 15000, op: 'heal' },
  ],
};

async function traceOf(seed: string, lines = false): Promise<{ hash: string; sim: Simulation<FloodNode> }> {
  const sim = new Simulation<FloodNode>({ seed, traceLines: lines });
  await runScenario(sim, SCENARIO, { factory: (rt) => new FloodNode(rt, { publishEveryMs: 1000, syncEveryMs: 1000 }) });
  return { hash: sim.traceHash(), sim };
}

describe('sim/simulation', () => {
  it('same seed and scenario ⇒ identical trace hash; another seed ⇒ another hash', async () => {
    const a = await traceOf('seed-1', true);
    const b = await traceOf('seed-1', true);
    const c = await traceOf('seed-2');
    assert.match(a.hash, /^[0-9a-f]{16}$/);
    assert.deepEqual(b.sim.net.trace.lines, a.sim.net.trace.lines);
    assert.equal(b.hash, a.hash);
    assert.notEqual(c.hash, a.hash);
    // The run did exercise everything the hash covers.
    const st = a.sim.stats();
    assert.ok(st.delivered > 1000 && st.dropped.loss > 0 && st.dropped.partition > 0 && st.duplicated > 0 && st.reordered > 0);
    assert.ok(st.streams.opened > 10 && st.streams.bytes > 0);
    assert.equal(st.nodesUp, 8);
    assert.ok(a.sim.net.trace.count > st.delivered);
  });

  it('adding a node leaves the other nodes\' random streams untouched', async () => {
    const draws = async (extra: boolean) => {
      const sim = new Simulation({ seed: 'stable' });
      const got: Record<string, number> = {};
      const f = (rt: { name: string; random: { next(): number } }) => {
        got[rt.name] = rt.random.next();
        return { stop() {} };
      };
      await sim.addNode('a', f);
      if (extra) await sim.addNode('x', f);
      await sim.addNode('b', f);
      return got;
    };
    const without = await draws(false);
    const withX = await draws(true);
    assert.equal(withX.a, without.a);
    assert.equal(withX.b, without.b);
  });

  it('stop() runs the node\'s graceful stop, then the node is down; restart calls the factory again', async () => {
    const sim = new Simulation({ seed: 's' });
    const events: string[] = [];
    await sim.addNode('a', (rt) => {
      events.push(`start ${rt.life}`);
      return { stop: () => void events.push('stop') };
    });
    await sim.stop('a');
    assert.equal(sim.isUp('a'), false);
    await sim.start('a');
    await sim.restart('a');
    assert.deepEqual(events, ['start 0', 'stop', 'start 1', 'start 2']);
    assert.throws(() => sim.crash('nope'), /no node nope/);
  });

  it('stop() and async factories that need virtual time are driven when called outside a run', async () => {
    const sim = new Simulation({ seed: 'drive' });
    const node = await sim.addNode('a', async (rt) => {
      await sleep(rt.clock, 300); // e.g. waiting for a join to complete
      return { stop: () => sleep(rt.clock, 200) }; // e.g. waiting for a leave to spread
    });
    assert.ok(node);
    assert.equal(sim.now(), 300);
    await sim.stop('a');
    assert.equal(sim.now(), 500);
    assert.equal(sim.isUp('a'), false);
    // Concurrent starts outside a run share one driver.
    const par = new Simulation({ seed: 'par' });
    const slow = (ms: number) => async (rt: { clock: import('../../gossip/runtime.js').Clock }) => {
      await sleep(rt.clock, ms);
      return { stop() {} };
    };
    par.define('x', slow(100));
    par.define('y', slow(50));
    await Promise.all([par.start('x'), par.start('y')]);
    assert.equal(par.now(), 100);
    const stuck = new Simulation({ seed: 'stuck' });
    await assert.rejects(stuck.addNode('a', () => new Promise<never>(() => {})), /factory never finished/);
  });

  it('a factory that throws leaves the node down', async () => {
    const sim = new Simulation({ seed: 'throw' });
    await assert.rejects(sim.addNode('a', () => {
      throw new Error('bad config');
    }), /bad config/);
    assert.equal(sim.isUp('a'), false);
    assert.equal(sim.node('a'), undefined);
    // Its address answers nothing.
    assert.equal(sim.stats().nodesUp, 0);
  });

  it("a node's disk survives crash and restart; wipe() empties it", async () => {
    const sim = new Simulation({ seed: 'disk' });
    const seen: (string | undefined)[] = [];
    await sim.addNode('a', (rt) => {
      const prev = rt.disk.get('state');
      seen.push(prev ? new TextDecoder().decode(prev) : undefined);
      rt.disk.set('state', new TextEncoder().encode(`life ${rt.life}`));
      return { stop() {} };
    });
    await sim.restart('a');
    sim.crash('a');
    sim.wipe('a');
    await sim.start('a');
    assert.deepEqual(seen, [undefined, 'life 0', undefined]);
  });

  it('runUntil stops at the event that makes the condition true, or gives up after maxMs', async () => {
    const sim = await probes(2, { link: { latencyMs: 7, jitterMs: 0 } });
    probe(sim, 'n1').send('n2', 1);
    assert.equal(await sim.runUntil(() => probe(sim, 'n2').got.length > 0, 1000), true);
    assert.equal(sim.now(), 7);
    assert.equal(await sim.runUntil(() => probe(sim, 'n1').got.length > 0, 1000), false);
    assert.equal(sim.now(), 1007);
  });

  it('logs with virtual timestamps and node names, filtered by level', async () => {
    const sim = new Simulation({ seed: 'log', log: { level: 'info' } });
    await sim.addNode('a', (rt) => {
      rt.clock.setTimer(1234, () => rt.logger.log('warn', 'probe', 'late', { k: 1 }));
      rt.logger.log('debug', 'probe', 'dropped');
      return { stop() {} };
    });
    await sim.runFor(2000);
    assert.deepEqual(sim.log.records.map((r) => [r.t, r.node, r.level, r.subsystem, r.message]), [[1234, 'a', 'warn', 'probe', 'late']]);
    assert.equal(sim.log.find({ level: 'error' }).length, 0);
  });

  it('setLinkBetween overrides only the named links (both ways, or one way)', async () => {
    const sim = await probes(3, { link: { latencyMs: 1, jitterMs: 0 } });
    sim.setLinkBetween(['n1'], ['n2'], { latencyMs: 50 });
    sim.setLinkBetween(['n3'], ['n1'], { latencyMs: 30 }, { oneWay: true });
    probe(sim, 'n1').send('n2', 1);
    probe(sim, 'n2').send('n1', 2);
    probe(sim, 'n1').send('n3', 3);
    probe(sim, 'n3').send('n1', 4);
    probe(sim, 'n2').send('n3', 5);
    await sim.runFor(100);
    assert.deepEqual(probe(sim, 'n2').got.map((g) => [g.data[0], g.t]), [[1, 50]]);
    assert.deepEqual(probe(sim, 'n1').got.map((g) => [g.data[0], g.t]), [[4, 30], [2, 50]]);
    assert.deepEqual(probe(sim, 'n3').got.map((g) => [g.data[0], g.t]), [[3, 1], [5, 1]]);
  });
});

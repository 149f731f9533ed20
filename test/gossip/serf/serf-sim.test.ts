// Whole Serf nodes on our memberlist inside the deterministic simulator.
import { strict as assert } from 'node:assert';
import { MemberStatus } from '../../../gossip/serf/messages.js';
import { liveSerfs, nodeName, runUntil, serfFactory, startSerfCluster } from './sim-helpers.js';

const aliveCount = (s: { serf: { members(): { status: MemberStatus }[] } }) =>
  s.serf.members().filter((m) => m.status === MemberStatus.Alive).length;

describe('serf in the simulator', function () {
  this.timeout(60_000);

  it('10 nodes converge; a user event reaches every node exactly once', async () => {
    const N = 10;
    const sim = await startSerfCluster({ seed: 'serf-10', n: N });
    assert.ok(await runUntil(sim, () => liveSerfs(sim).every((s) => aliveCount(s) === N), 20_000), 'membership converged');
    liveSerfs(sim)[3]!.serf.userEvent('deploy', new TextEncoder().encode('v1'), false);
    await runUntil(sim, () => liveSerfs(sim).every((s) => s.userEvents().length === 1), 10_000);
    await sim.runFor(5_000); // let retransmissions and push-pulls happen: still once
    for (const s of liveSerfs(sim)) assert.deepEqual(s.userEvents(), ['deploy:v1'], s.serf.name);
    for (const s of liveSerfs(sim)) assert.equal(s.serf.eventClock.time(), 2, s.serf.name);
  });

  it('a query is acked and answered by the members passing the filters', async () => {
    const N = 6;
    const sim = await startSerfCluster({
      seed: 'serf-query',
      n: N,
      tweak: (c) => c.tags.set('role', Number(c.nodeName.slice(1)) % 2 === 0 ? 'even' : 'odd'),
    });
    assert.ok(await runUntil(sim, () => liveSerfs(sim).every((s) => aliveCount(s) === N), 20_000));
    for (const s of liveSerfs(sim)) {
      s.serf.onEvent((e) => {
        if (e.type === 'query' && e.query.name === 'whoami') e.query.respond(new TextEncoder().encode(`i am ${s.serf.name}`));
      });
    }
    const origin = sim.node(nodeName(1))!.serf;
    const resp = origin.query('whoami', new Uint8Array(0), { requestAck: true, filterTags: new Map([['role', '^even$']]), timeout: 5_000 });
    const acks: string[] = [];
    const answers: string[] = [];
    void (async () => {
      for await (const a of resp.acks!) acks.push(a);
    })();
    void (async () => {
      for await (const r of resp.responses) answers.push(`${r.from}=${new TextDecoder().decode(r.payload)}`);
    })();
    await sim.runFor(6_000);
    assert.deepEqual(acks.sort(), ['s000', 's002', 's004']);
    assert.deepEqual(answers.sort(), ['s000=i am s000', 's002=i am s002', 's004=i am s004']);
    assert.ok(resp.finished(sim.now()));
  });

  it('graceful leave is seen as left, a crash as failed; failed members are reaped after the reconnect timeout', async () => {
    const N = 5;
    const sim = await startSerfCluster({ seed: 'serf-leave', n: N, tweak: (c) => { c.reconnectTimeout = 120_000; c.reapInterval = 5_000; c.reconnectInterval = 3_600_000; } });
    assert.ok(await runUntil(sim, () => liveSerfs(sim).every((s) => aliveCount(s) === N), 20_000));
    const leaver = sim.node(nodeName(2))!;
    await Promise.all([leaver.serf.leave(), sim.runFor(10_000)]);
    assert.equal(leaver.serf.state(), 'left');
    sim.crash(nodeName(4));
    const others = [0, 1, 3].map((i) => sim.node(nodeName(i))!);
    const statusOf = (viewer: typeof others[0], n: number) => viewer.serf.members().find((m) => m.name === nodeName(n))?.status;
    assert.ok(await runUntil(sim, () => others.every((o) => statusOf(o, 4) === MemberStatus.Failed), 60_000), 'crash seen as failed');
    for (const o of others) assert.equal(statusOf(o, 2), MemberStatus.Left);
    for (const o of others) assert.ok(o.memberEvents().includes(`member-leave:${nodeName(2)}`));
    assert.ok(await runUntil(sim, () => others.every((o) => statusOf(o, 4) === undefined), 200_000), 'failed member reaped');
    for (const o of others) assert.ok(o.memberEvents().includes(`member-reap:${nodeName(4)}`));
  });

  it('tags set at run time reach the others as a member-update', async () => {
    const N = 4;
    const sim = await startSerfCluster({ seed: 'serf-tags', n: N });
    assert.ok(await runUntil(sim, () => liveSerfs(sim).every((s) => aliveCount(s) === N), 20_000));
    const s1 = sim.node(nodeName(1))!.serf;
    await Promise.all([s1.setTags(new Map([['version', '2']])), sim.runFor(5_000)]);
    for (const s of liveSerfs(sim)) {
      assert.equal(s.serf.members().find((m) => m.name === nodeName(1))!.tags.get('version'), '2', s.serf.name);
    }
    assert.ok(sim.node(nodeName(0))!.memberEvents().includes(`member-update:${nodeName(1)}`));
  });
});

describe('serf in the simulator: reproducibility', function () {
  this.timeout(60_000);

  it('the same seed gives the same trace hash and the same event order', async () => {
    const once = async () => {
      const sim = await startSerfCluster({ seed: 'serf-replay', n: 5 });
      await sim.runFor(5_000);
      sim.node(nodeName(2))!.serf.userEvent('e', Uint8Array.of(1), false);
      sim.node(nodeName(3))!.serf.query('q', new Uint8Array(0), { requestAck: true, timeout: 1000 });
      await sim.runFor(5_000);
      const events = liveSerfs(sim).map((s) => s.events.map((e) => e.type).join(','));
      return { hash: sim.traceHash(), events };
    };
    const a = await once();
    const b = await once();
    assert.equal(a.hash, b.hash);
    assert.deepEqual(a.events, b.events);
  });
});

describe('serf in the simulator: name conflicts', function () {
  this.timeout(60_000);

  it('a newcomer claiming a taken name loses the vote and shuts down; the cluster keeps the original', async () => {
    const sim = await startSerfCluster({ seed: 'serf-conflict', n: 3 });
    assert.ok(await runUntil(sim, () => liveSerfs(sim).every((s) => aliveCount(s) === 3), 20_000));
    const original = sim.addrOf(nodeName(1));
    await sim.addNode(
      'impostor',
      serfFactory((c) => {
        c.nodeName = nodeName(1);
      }, nodeName(0)),
    );
    const impostor = sim.node('impostor')!;
    assert.ok(await runUntil(sim, () => impostor.serf.state() === 'shutdown', 30_000), 'impostor shut down');
    await sim.runFor(5_000);
    for (const n of [0, 1, 2].map(nodeName)) {
      const s = sim.node(n)!.serf;
      const m = s.members().find((x) => x.name === nodeName(1))!;
      assert.equal(m.status, MemberStatus.Alive, n);
      assert.equal(m.port, original.port, n);
    }
    assert.equal(sim.node(nodeName(1))!.serf.state(), 'alive');
  });
});

describe('serf: events from the very start', () => {
  it('an onEvent option sees our own member-join, delivered during create', async () => {
    const { Simulation } = await import('../../../sim/simulation.js');
    const { Serf } = await import('../../../gossip/serf/serf.js');
    const { defaultSerfConfig } = await import('../../../gossip/serf/config.js');
    const sim = new Simulation({ seed: 'serf-self-join', link: { loss: 0 }, log: { level: 'error' } });
    const seen: string[] = [];
    await sim.addNode('solo', (rt) => {
      const serf = Serf.create(rt, {
        config: defaultSerfConfig(rt.name),
        onEvent: (e) => void seen.push(`${e.type}:${'members' in e ? e.members.map((m) => m.name).join(',') : ''}`),
      });
      return { stop: () => serf.shutdown() };
    });
    assert.deepEqual(seen, ['member-join:solo']);
  });
});

// Larger simulator scenarios: 200 nodes and one user event; a long partition healed by Serf's
// reconnect; the 24 h tombstone honoured in virtual time; Lamport clocks never going back.
import { strict as assert } from 'node:assert';
import { MemberStatus } from '../../../gossip/serf/messages.js';
import { liveSerfs, nodeName, runUntil, type SerfNode, startSerfCluster } from './sim-helpers.js';

const aliveNames = (s: SerfNode) => s.serf.members().filter((m) => m.status === MemberStatus.Alive).map((m) => m.name);

describe('serf in the simulator, at scale', function () {
  this.timeout(300_000);

  // 200 nodes take ~40 s of real time on the shared 2-core box, so the default run uses 50 and
  // SERF_SIM_LARGE=1 runs the 200 the issue asks for.
  const N_BIG = process.env.SERF_SIM_LARGE === '1' ? 200 : 50;
  it(`${N_BIG} nodes: a user event reaches every node exactly once; Lamport clocks never go backwards`, async () => {
    if (N_BIG < 200) console.warn('      (50 nodes; SERF_SIM_LARGE=1 runs this with 200)');
    const N = N_BIG;
    const sim = await startSerfCluster({ seed: 'serf-200', n: N });
    const t0 = performance.now();
    assert.ok(await runUntil(sim, () => liveSerfs(sim).every((s) => aliveNames(s).length === N), 60_000, 500), 'converged');
    const clocks = new Map(liveSerfs(sim).map((s) => [s.serf.name, [s.serf.clock.time(), s.serf.eventClock.time(), s.serf.queryClock.time()]]));
    let backwards = 0;
    const watch = () => {
      for (const s of liveSerfs(sim)) {
        const now = [s.serf.clock.time(), s.serf.eventClock.time(), s.serf.queryClock.time()];
        const prev = clocks.get(s.serf.name)!;
        if (now.some((v, i) => v < prev[i]!)) backwards++;
        clocks.set(s.serf.name, now);
      }
      return false;
    };
    const sentAt = sim.now();
    sim.node(nodeName(N - 7))!.serf.userEvent('deploy', new TextEncoder().encode('v2'), false);
    let reachedAt = -1;
    await runUntil(
      sim,
      () => {
        watch();
        const all = liveSerfs(sim).every((s) => s.userEvents().length > 0);
        if (all && reachedAt < 0) reachedAt = sim.now();
        return all;
      },
      30_000,
      50,
    );
    await runUntil(sim, watch, 20_000, 500); // more gossip and push-pulls: still exactly once
    for (const s of liveSerfs(sim)) assert.deepEqual(s.userEvents(), ['deploy:v2'], s.serf.name);
    assert.equal(backwards, 0);
    console.log(`      ${N} nodes: event reached all in ${reachedAt - sentAt} ms virtual (${Math.round(performance.now() - t0)} ms real)`);
  });

  it('a partition longer than the suspicion timeout heals into one view through reconnects', async () => {
    const N = 10;
    const sim = await startSerfCluster({ seed: 'serf-partition', n: N });
    assert.ok(await runUntil(sim, () => liveSerfs(sim).every((s) => aliveNames(s).length === N), 20_000));
    const left = [0, 1, 2, 3, 4].map(nodeName);
    const right = [5, 6, 7, 8, 9].map(nodeName);
    sim.partition([left, right]);
    // Each side declares the other failed (suspicion for 10 nodes, LAN: >= 4*log10(10)*1 s)...
    assert.ok(
      await runUntil(sim, () => liveSerfs(sim).every((s) => aliveNames(s).length === 5), 120_000, 500),
      'both sides see only themselves',
    );
    // ... and stays apart well past memberlist's gossip-to-the-dead window (30 s).
    await sim.runFor(60_000);
    for (const s of liveSerfs(sim)) assert.equal(aliveNames(s).length, 5);
    sim.heal();
    const healStart = sim.now();
    assert.ok(
      await runUntil(sim, () => liveSerfs(sim).every((s) => aliveNames(s).length === N), 300_000, 500),
      `not healed: ${liveSerfs(sim).map((s) => aliveNames(s).length).join(',')}`,
    );
    console.log(`      partition healed ${sim.now() - healStart} ms (virtual) after the network came back`);
  });

  it('a left member is reaped after the 24 h tombstone timeout, not before', async () => {
    const N = 3;
    // Only Serf's reaper matters here: slow memberlist's loops down so 24 h of virtual time is cheap.
    const sim = await startSerfCluster({
      seed: 'serf-tombstone',
      n: N,
      tweak: (c) => Object.assign(c.memberlist, { gossipInterval: 2_000, probeInterval: 30_000, probeTimeout: 10_000, pushPullInterval: 600_000 }),
    });
    assert.ok(await runUntil(sim, () => liveSerfs(sim).every((s) => aliveNames(s).length === N), 120_000));
    const leaver = sim.node(nodeName(2))!;
    const viewer = sim.node(nodeName(0))!;
    const status = () => viewer.serf.members().find((m) => m.name === nodeName(2))?.status;
    void leaver.serf.leave().catch(() => undefined);
    assert.ok(await runUntil(sim, () => status() === MemberStatus.Left, 60_000, 100), 'seen as left');
    const leftAt = sim.now(); // within 100 ms after the viewer marked it left
    await sim.runFor(10_000);
    await sim.stop(nodeName(2));
    await sim.runFor(24 * 3600_000 - 60_000);
    assert.equal(status(), MemberStatus.Left, 'still a tombstone just before 24 h');
    assert.ok(await runUntil(sim, () => status() === undefined, 120_000, 1_000), 'reaped after 24 h');
    // Reaped by the first reap round (every 15 s) after 24 h; the poll adds up to 1 s.
    const reapedAfter = sim.now() - leftAt;
    assert.ok(reapedAfter > 24 * 3600_000 - 100 && reapedAfter <= 24 * 3600_000 + 15_000 + 1_000, String(reapedAfter));
    assert.ok(viewer.memberEvents().includes(`member-reap:${nodeName(2)}`));
  });
});

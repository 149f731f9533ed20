// The memberlist engine inside SIM's simulator: convergence, failure detection time, false
// positives under loss, Lifeguard vs plain SWIM with slow ("paused") members.
import { strict as assert } from 'node:assert';
import { lanConfig } from '../../../gossip/memberlist/config.js';
import type { Delegates } from '../../../gossip/memberlist/delegate.js';
import { NodeStateType } from '../../../gossip/memberlist/node.js';
import { suspicionTimeout } from '../../../gossip/memberlist/suspicion.js';
import { aliveNames, liveNodes, nodeName, runUntil, startCluster, stateOf } from './sim-helpers.js';

interface Death {
  t: number;
  observer: string;
  subject: string;
  state: NodeStateType;
}

/** Records every notifyLeave (dead or left) each node reports. */
function deathRecorder(now: () => number): { deaths: Death[]; delegates: (name: string) => Delegates } {
  const deaths: Death[] = [];
  return {
    deaths,
    delegates: (observer) => ({
      events: {
        notifyJoin: () => {},
        notifyUpdate: () => {},
        notifyLeave: (n) => void deaths.push({ t: now(), observer, subject: n.name, state: n.state }),
      },
    }),
  };
}

describe('memberlist in the simulator', function () {
  this.timeout(120_000);

  it('100 nodes joining one seed all list 100 alive; a crashed node is declared dead by all within the bound', async () => {
    const N = 100;
    const sim = await startCluster({ seed: 'converge-100', n: N });
    await runUntil(sim, () => liveNodes(sim).every((n) => aliveNames(n).length === N), 10_000);
    for (const n of liveNodes(sim)) assert.equal(aliveNames(n).length, N, `${n.ml.name} sees ${aliveNames(n).length}`);
    const convergedAt = sim.now();

    await sim.runFor(5_000);
    const victim = nodeName(57);
    const crashAt = sim.now();
    sim.crash(victim);
    const others = () => sim.upNames();
    // Bound (LAN profile, N = 100): a failed probe takes one probe interval; every other node probes
    // the victim within one round (N-1 probe intervals), but with 99 probers the first probe comes
    // within a couple of intervals; suspicion then lasts at most SuspicionMaxTimeoutMult ·
    // SuspicionMult · log10(N) · ProbeInterval = 6·4·2·1 s = 48 s (no confirmations) and at least
    // the 8 s minimum; the dead message then spreads in O(log N) gossip rounds. We assert the
    // guaranteed-ish envelope 2·ProbeInterval + max suspicion + 5 s of dissemination = 55 s.
    const cfg = lanConfig('x');
    const min = suspicionTimeout(cfg.suspicionMult, N, cfg.probeInterval);
    const max = cfg.suspicionMaxTimeoutMult * min;
    const bound = 2 * cfg.probeInterval + max + 5_000;
    await runUntil(sim, () => others().every((o) => stateOf(sim, o, victim) === NodeStateType.Dead), bound);
    const took = sim.now() - crashAt;
    assert.ok(
      others().every((o) => stateOf(sim, o, victim) === NodeStateType.Dead),
      `not all nodes saw ${victim} dead within ${bound} ms`,
    );
    assert.ok(took >= min, `declared dead after ${took} ms, before the ${min} ms minimum suspicion`);
    assert.ok(took <= bound);
    // Nobody else was harmed.
    for (const n of liveNodes(sim)) assert.equal(aliveNames(n).length, N - 1);
    console.log(`      converged in ${convergedAt} ms virtual; crash detected by all ${N - 1} in ${took} ms (bound ${bound} ms, min ${min} ms)`);
  });

  it('10% uniform packet loss for 5 virtual minutes: no live node is declared dead', async () => {
    const N = 24;
    let clock = () => 0;
    const rec = deathRecorder(() => clock());
    const sim = await startCluster({ seed: 'loss-10', n: N, loss: 0.1, delegates: rec.delegates });
    clock = () => sim.now();
    await sim.runFor(300_000);
    assert.deepEqual(rec.deaths, []);
    for (const n of liveNodes(sim)) assert.equal(aliveNames(n).length, N);
    // Dozens of push-pulls and TCP fallback pings later, no stream is left open.
    for (const n of liveNodes(sim)) assert.ok(n.ml.streams.openCount() <= 2, `${n.ml.name}: ${n.ml.streams.openCount()} open streams`);
  });

  it('Lifeguard on vs off with slow members: fewer false positives with Lifeguard', async () => {
    // Slow members: everything sent to them arrives 3-5 s late (a process too busy to read its
    // socket), while their own timers run on time — so they time out probes and accuse healthy
    // peers, and hear refutations late. Nobody really fails, so every "dead" is a false positive.
    const N = 16;
    const slow = [nodeName(3), nodeName(8), nodeName(13)];
    const run = async (lifeguard: boolean, seed: string) => {
      let clock = () => 0;
      const rec = deathRecorder(() => clock());
      const sim = await startCluster({ seed, n: N, delegates: rec.delegates, tweak: (c) => (c.lifeguard = lifeguard) });
      clock = () => sim.now();
      await sim.runFor(5_000);
      sim.setLinkBetween(sim.names(), slow, { latencyMs: 3_000, jitterMs: 2_000 }, { oneWay: true });
      await sim.runFor(90_000);
      return rec.deaths.filter((d) => d.state === NodeStateType.Dead).length;
    };
    let on = 0;
    let off = 0;
    for (const seed of ['lg-1', 'lg-2']) {
      on += await run(true, seed);
      off += await run(false, seed);
    }
    console.log(`      false positives (dead declarations, nobody failed): Lifeguard off ${off}, on ${on}` + (on > 0 ? ` (${(off / on).toFixed(1)}x fewer)` : ''));
    assert.ok(off > 0, 'the scenario must provoke false positives without Lifeguard');
    assert.ok(on < off, `Lifeguard on: ${on}, off: ${off}`);
  });

  it('metadata updates, user messages (UDP, TCP, piggybacked broadcasts) and graceful leave', async () => {
    const got = new Map<string, string[]>();
    const metas = new Map<string, Uint8Array>();
    const outbox = new Map<string, Uint8Array[]>();
    const updates: string[] = [];
    const delegates = (name: string): Delegates => ({
      delegate: {
        nodeMeta: (limit) => (metas.get(name) ?? new Uint8Array(0)).subarray(0, limit + 1),
        notifyMsg: (m) => void got.set(name, [...(got.get(name) ?? []), Buffer.from(m).toString()]),
        getBroadcasts: (overhead, limit) => {
          const q = outbox.get(name) ?? [];
          const out: Uint8Array[] = [];
          let used = 0;
          while (q.length && used + q[0]!.length + overhead <= limit) {
            used += q[0]!.length + overhead;
            out.push(q.shift()!);
          }
          return out;
        },
        localState: () => new Uint8Array(0),
        mergeRemoteState: () => {},
      },
      events: { notifyJoin: () => {}, notifyLeave: () => {}, notifyUpdate: (n) => void updates.push(`${name}<-${n.name}`) },
    });
    const sim = await startCluster({ seed: 'api', n: 4, delegates });
    await runUntil(sim, () => liveNodes(sim).every((n) => aliveNames(n).length === 4), 10_000);
    const a = sim.node(nodeName(0))!.ml;
    const b = sim.node(nodeName(1))!.ml;

    // Promises on the virtual clock settle only while the simulation runs: start, run, then await.
    metas.set(a.name, Buffer.from('role=kv'));
    const updated = a.updateNode(5_000);
    await sim.runFor(3_000);
    await updated;
    for (const n of liveNodes(sim)) assert.equal(Buffer.from(n.ml.node(a.name)!.meta).toString(), 'role=kv');
    // Every node, the updater included (as in memberlist), reports the update once.
    assert.equal(updates.filter((u) => u.endsWith(`<-${a.name}`)).length, 4);

    metas.set(a.name, new Uint8Array(513));
    await assert.rejects(a.updateNode(1_000), /over the 512 limit/);

    a.sendBestEffort(b.localNode(), Buffer.from('udp hello'));
    const reliable = a.sendReliable(b.localNode(), Buffer.from('tcp hello'));
    outbox.set(a.name, [Buffer.from('bcast')]);
    await sim.runFor(2_000);
    await reliable;
    assert.deepEqual(got.get(b.name)?.filter((m) => m.includes('hello')).sort(), ['tcp hello', 'udp hello']);
    assert.equal(liveNodes(sim).filter((n) => got.get(n.ml.name)?.includes('bcast')).length >= 1, true);

    const c = sim.node(nodeName(2))!.ml;
    const leaving = c.leave(5_000);
    await sim.runFor(2_000);
    await leaving;
    for (const n of liveNodes(sim)) if (n.ml !== c) assert.equal(n.ml.node(c.name)?.state, NodeStateType.Left);
  });

  it('indirect probes keep a node alive when only the direct link to it is broken', async () => {
    const sim = await startCluster({ seed: 'indirect', n: 5 });
    await runUntil(sim, () => liveNodes(sim).every((n) => aliveNames(n).length === 5), 10_000);
    const a = nodeName(0);
    const b = nodeName(1);
    sim.setLinkBetween([a], [b], { loss: 1 });
    let suspectSeen = 0;
    for (let t = 0; t < 60_000; t += 250) {
      await sim.runFor(250);
      for (const n of liveNodes(sim)) for (const m of n.ml.allNodes()) if (m.state !== NodeStateType.Alive) suspectSeen++;
    }
    assert.equal(suspectSeen, 0, 'no node was ever suspected');
  });

  it('a stalled node is suspected, then refutes with a higher incarnation instead of being declared dead', async () => {
    let clock = () => 0;
    const rec = deathRecorder(() => clock());
    const sim = await startCluster({ seed: 'refute', n: 5, delegates: rec.delegates });
    clock = () => sim.now();
    await runUntil(sim, () => liveNodes(sim).every((n) => aliveNames(n).length === 5), 10_000);
    const b = nodeName(2);
    const before = sim.node(b)!.ml.node(b)!.incarnation;
    sim.pause(b, 3_000);
    let suspected = false;
    await runUntil(sim, () => (suspected ||= liveNodes(sim).some((n) => n.ml.node(b)?.state === NodeStateType.Suspect)), 3_000);
    assert.ok(suspected, 'someone suspected the stalled node');
    await sim.runFor(10_000);
    assert.deepEqual(rec.deaths, []);
    for (const n of liveNodes(sim)) {
      assert.equal(n.ml.node(b)?.state, NodeStateType.Alive);
      assert.ok(n.ml.node(b)!.incarnation > before, 'the refutation carries a higher incarnation');
    }
  });
});


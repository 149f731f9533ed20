import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lanConfig } from '../../../gossip/memberlist/config.js';
import { defaultSerfConfig } from '../../../gossip/serf/config.js';
import type { Member } from '../../../gossip/serf/member.js';
import { MemberStatus } from '../../../gossip/serf/messages.js';
import { Serf } from '../../../gossip/serf/serf.js';
import { type SnapshotSink, SnapshotState, Snapshotter } from '../../../gossip/serf/snapshot.js';
import { Simulation, type SimRuntime } from '../../../sim/simulation.js';
import { nodeName, runUntil, SerfNode, serfFactory } from './sim-helpers.js';

const m = (name: string, ip = 1): Member => ({
  name, addr: Uint8Array.of(10, 0, 0, ip), port: 7946, tags: new Map(), status: MemberStatus.Alive,
  protocolMin: 1, protocolMax: 5, protocolCur: 2, delegateMin: 2, delegateMax: 5, delegateCur: 5,
});

function memorySink() {
  const s = { text: '', rewrites: 0 };
  const sink: SnapshotSink = {
    append: (t) => void (s.text += t),
    rewrite: (t) => {
      s.text = t;
      s.rewrites++;
    },
  };
  return { s, sink };
}

describe('serf snapshot', () => {
  it('replays Serf\'s line format: alive/not-alive, clocks, comments, coordinates ignored', () => {
    const warnings: string[] = [];
    const st = SnapshotState.replay(
      '# a comment\nalive: a b 10.0.0.1:7946\nalive: c 10.0.0.2:7946\nnot-alive: c\nclock: 9\nevent-clock: 4\nquery-clock: 2\ncoordinate: {}\nclock: x\nbogus\nalive: broken\nalive: d 1.2.3.4:5',
      false,
      (w) => void warnings.push(w),
    );
    assert.deepEqual(st.previousNodes(), [{ name: 'a b', addr: '10.0.0.1:7946' }]); // unterminated last line ignored
    assert.deepEqual([st.lastClock, st.lastEventClock, st.lastQueryClock], [9, 4, 2]);
    assert.equal(warnings.length, 3);
  });

  it('a leave line forgets everything, unless rejoin-after-leave', () => {
    const text = 'alive: a 10.0.0.1:1\nclock: 5\nevent-clock: 3\nleave\n';
    const st = SnapshotState.replay(text, false);
    assert.deepEqual([st.previousNodes(), st.lastClock, st.lastEventClock], [[], 0, 0]);
    const re = SnapshotState.replay(text, true);
    assert.deepEqual([re.previousNodes().length, re.lastClock, re.lastEventClock], [1, 5, 3]);
  });

  it('records member, user and query events as Go does, and compacts past the threshold', () => {
    const { s, sink } = memorySink();
    const snap = new Snapshotter(new SnapshotState(), sink, 0, false, 400);
    snap.record({ type: 'member-join', members: [m('a'), m('b', 2)] }, 4);
    snap.record({ type: 'member-failed', members: [m('b', 2)] }, 4);
    snap.record({ type: 'user', ltime: 7, name: 'e', payload: new Uint8Array(0), coalesce: false }, 4);
    snap.record({ type: 'user', ltime: 6, name: 'e', payload: new Uint8Array(0), coalesce: false }, 4);
    assert.equal(s.text, 'alive: a 10.0.0.1:7946\nalive: b 10.0.0.2:7946\nclock: 3\nnot-alive: b\nevent-clock: 7\n');
    snap.updateClock(4); // clock - 1 = 3: unchanged
    snap.updateClock(10);
    assert.ok(s.text.endsWith('clock: 9\n'));
    // Churn grows the log past max(400, 128 * 2 * alive) bytes: it is rewritten compactly.
    for (let i = 0; i < 20; i++) {
      snap.record({ type: 'member-join', members: [m('flappy', 9)] }, 10);
      snap.record({ type: 'member-failed', members: [m('flappy', 9)] }, 10);
    }
    assert.ok(s.rewrites > 0);
    assert.ok(s.text.length < 400);
    const back = SnapshotState.replay(s.text, false);
    assert.deepEqual(back.previousNodes(), [{ name: 'a', addr: '10.0.0.1:7946' }]);
    assert.deepEqual([back.lastClock, back.lastEventClock], [9, 7]);
    snap.leave();
    assert.ok(s.text.endsWith('leave\n'));
    snap.record({ type: 'member-join', members: [m('late')] }, 20);
    assert.ok(!s.text.includes('late'));
  });

  it('in the simulator: a restarted node rejoins from its snapshot and does not replay old events', async function () {
    this.timeout(60_000);
    const sim = new Simulation<SerfNode>({ seed: 'serf-snapshot', link: { loss: 0 }, log: { level: 'error' } });
    const seed = nodeName(0);
    for (let i = 0; i < 3; i++) {
      const name = nodeName(i);
      if (i < 2) {
        await sim.addNode(name, serfFactory(undefined, seed));
        continue;
      }
      // s002 keeps a snapshot on its simulated disk and joins only on its first life.
      await sim.addNode(name, (rt: SimRuntime) => {
        const key = 'serf.snapshot';
        const text = new TextDecoder().decode(rt.disk.get(key) ?? new Uint8Array(0));
        const state = SnapshotState.replay(text, false);
        const sink: SnapshotSink = {
          append: (t) => rt.disk.set(key, new TextEncoder().encode(new TextDecoder().decode(rt.disk.get(key) ?? new Uint8Array(0)) + t)),
          rewrite: (t) => rt.disk.set(key, new TextEncoder().encode(t)),
        };
        const serf = Serf.create(rt, { config: defaultSerfConfig(rt.name, lanConfig(rt.name)), snapshot: new Snapshotter(state, sink, text.length, false) });
        if (rt.life === 0) {
          const a = rt.addrOf(seed);
          void serf.join([`${a.host}:${a.port}`]).catch(() => undefined);
        }
        return new SerfNode(serf);
      });
    }
    const all = () => sim.upNames().map((n) => sim.node(n)!);
    const alive = (n: SerfNode) => n.serf.members().filter((x) => x.status === MemberStatus.Alive).length;
    assert.ok(await runUntil(sim, () => all().every((n) => alive(n) === 3), 20_000));
    sim.node(nodeName(0))!.serf.userEvent('before', Uint8Array.of(1), false);
    await sim.runFor(3_000);
    const third = sim.node(nodeName(2))!;
    assert.deepEqual(third.userEvents(), ['before:\u0001']);
    const clockBefore = third.serf.eventClock.time();
    sim.crash(nodeName(2));
    await sim.runFor(1_000);
    await sim.start(nodeName(2));
    const reborn = sim.node(nodeName(2))!;
    assert.ok(reborn.serf.eventClock.time() >= clockBefore - 1, 'event clock restored');
    assert.ok(await runUntil(sim, () => alive(reborn) === 3, 30_000), 'rejoined from the snapshot alone');
    await sim.runFor(35_000); // a push-pull carries the old event back: it must be ignored
    assert.deepEqual(reborn.userEvents(), []);
    sim.node(nodeName(1))!.serf.userEvent('after', Uint8Array.of(2), false);
    await sim.runFor(3_000);
    assert.deepEqual(reborn.userEvents(), ['after:\u0002']);
  });
});

describe('serf snapshot files written by a real agent', () => {
  const read = (f: string) => readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../vectors/serf', f), 'utf8');

  it('an agent stopped without leaving: members and clocks come back', () => {
    const st = SnapshotState.replay(read('agent-terminated.snapshot'), false);
    assert.deepEqual(st.previousNodes().map((p) => p.name), ['snapA']); // snapB left later: not-alive
    assert.match(st.previousNodes()[0]!.addr, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual([st.lastClock, st.lastEventClock, st.lastQueryClock], [2, 1, 1]);
  });

  it('an agent that left: nothing to rejoin, clocks after the leave line only; -rejoin keeps them', () => {
    const st = SnapshotState.replay(read('agent-left.snapshot'), false);
    assert.deepEqual(st.previousNodes(), []);
    assert.equal(st.lastClock, 2); // the clock line after "leave" still counts
    assert.equal(SnapshotState.replay(read('agent-left.snapshot'), true).previousNodes().length, 2);
  });
});

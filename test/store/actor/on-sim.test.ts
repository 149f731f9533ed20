// The actor on the simulator's own scheduler and PRNG (sim/), as the replication layer will run it.
import { strict as assert } from 'node:assert';
import { seededRandom } from '../../../sim/prng.js';
import { Scheduler } from '../../../sim/scheduler.js';
import { Actor } from '../../../store/actor/actor.js';
import type { PingMessage } from '../../../store/actor/messages.js';
import { Bus, pingsIn } from './harness.js';

function run(seed: number): { pings: { time: number; from: string }[]; tags: number } {
  const sched = new Scheduler();
  const root = seededRandom(seed);
  const bus = new Bus(sched, 120, 200, root.fork('bus'));
  let tags = 0;
  for (const name of ['n1', 'n2', 'n3', 'n4']) {
    const a = new Actor({ transport: bus.endpoint(name), name, clock: sched, random: root.fork(`actor/${name}`), config: { cycle: 10, gap: 2 } });
    a.setValue([1, name]);
    a.on((e) => void (e.type === 'tag' && tags++));
    a.start();
  }
  sched.runSync(1200_000);
  for (const p of pingsIn(bus.sent)) assert.equal((p.msg as PingMessage).history[0], p.from);
  return { pings: pingsIn(bus.sent).map((p) => ({ time: p.time, from: p.from })), tags };
}

describe('store/actor on sim/scheduler', () => {
  it('4 actors keep one rotation for 20 simulated minutes, reproducibly', () => {
    const r = run(7);
    // About one round per cycle + 0.875*gap (+ delivery delay). Pings less than a gap apart
    // collided (chain positions are only gap/16 apart at the back) and count as one round.
    const rounds = r.pings.filter((p, i) => i === 0 || p.time - r.pings[i - 1]!.time >= 2000).length;
    assert.ok(rounds >= 95 && rounds <= 102, `rounds ${rounds}`);
    // 200 ms jitter against 62-125 ms spacing: about one round in five collides (benign).
    assert.ok(r.pings.length - rounds <= rounds / 3, `collisions ${r.pings.length - rounds}`);
    assert.ok(r.tags >= rounds * 0.9, `tags ${r.tags} for ${rounds} rounds`);
    assert.deepEqual(run(7), r);
  });
});

// Split recovery's bookkeeping and timing (python `recover_split` / `_RecoverControl`).
import { strict as assert } from 'node:assert';
import type { NodeName } from '../../../store/node-ticks.js';
import { RecoverControl, recoverSplit } from '../../../store/replication/recovery.js';
import { ManualClock } from './helpers.js';

function host(clock: ManualClock) {
  const log: string[] = [];
  const tasks = new Map<NodeName, RecoverControl>();
  return {
    log,
    tasks,
    h: {
      clock,
      tasks,
      stopped: false,
      cycle: () => 4,
      sendTicks: () => log.push(`${clock.now()} ticks`),
      sendMissing: (force: boolean) => log.push(`${clock.now()} missing ${force}`),
      runSendMissing: (prio: number) => log.push(`${clock.now()} resend ${prio}`),
      clearSeen: () => log.push(`${clock.now()} clear`),
    },
  };
}

describe('store/replication/recovery', () => {
  it('prio 0: ticks at once, missing after clock/2, re-send right after', async () => {
    const clock = new ManualClock();
    const { h, log, tasks } = host(clock);
    const p = recoverSplit(h, 0, ['a', 'b'], ['c']);
    await clock.run(10_000);
    await p;
    assert.deepEqual(log, ['0 ticks', '2000 missing true', '2000 resend 0', '2000 clear']);
    assert.equal(tasks.size, 0, 'claims released');
  });

  it('prio 2: waits clock·3/4 for ticks, then clock·7/8 for missing; a peer\'s info pre-empts each step', async () => {
    const clock = new ManualClock();
    const { h, log, tasks } = host(clock);
    const p = recoverSplit(h, 2, ['a', 'b'], ['c']);
    await clock.run(1_000);
    tasks.get('a')!.set(1); // somebody of our side sent ticks
    await clock.run(2_000);
    tasks.get('a')!.set(2); // ... and missing
    await clock.run(10_000);
    await p;
    // both steps pre-empted: nothing sent; step 3 after a further clock·3/4
    assert.deepEqual(log, ['6000 resend 2', '6000 clear']);
  });

  it('a newer recovery claiming all nodes cancels the older one; one whose sources are all claimed does not start', async () => {
    const clock = new ManualClock();
    const { h, log, tasks } = host(clock);
    const p1 = recoverSplit(h, 1, ['a', 'b'], ['c']);
    await clock.run(100);
    const older = tasks.get('a')!;
    const p2 = recoverSplit(h, 0, ['a', 'b', 'x'], ['d']);
    await clock.run(1);
    assert.ok(older.cancelled);
    assert.notEqual(tasks.get('a'), older);
    const p3 = recoverSplit(h, 0, ['q'], ['a', 'b']); // all sources already being recovered with
    await clock.run(10_000);
    await Promise.all([p1, p2, p3]);
    assert.equal(log.filter((l) => l.endsWith('ticks')).length, 1, log.join(' | '));
    assert.equal(log.filter((l) => l.includes('resend')).length, 1, log.join(' | '));
  });
});

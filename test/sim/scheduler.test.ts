import { strict as assert } from 'node:assert';
import { Scheduler } from '../../sim/scheduler.js';

describe('sim/scheduler', () => {
  it('runs events in (time, scheduling order) and jumps the clock', async () => {
    const s = new Scheduler();
    const got: string[] = [];
    s.setTimer(10, () => got.push(`a@${s.now()}`));
    s.setTimer(5, () => got.push(`b@${s.now()}`));
    s.setTimer(10, () => got.push(`c@${s.now()}`));
    s.setTimer(0, () => got.push(`d@${s.now()}`));
    await s.run(100);
    assert.deepEqual(got, ['d@0', 'b@5', 'a@10', 'c@10']);
    assert.equal(s.now(), 100);
    assert.equal(s.steps, 4);
  });

  it('never runs a timer synchronously, even with ms <= 0', async () => {
    const s = new Scheduler();
    let ran = false;
    s.setTimer(-5, () => (ran = true));
    assert.equal(ran, false);
    await s.run(0);
    assert.equal(ran, true);
  });

  it('cancel is idempotent and a cancelled timer never runs, also after heap compaction', async () => {
    const s = new Scheduler();
    const ran: number[] = [];
    const timers = Array.from({ length: 20000 }, (_, i) => s.setTimer(i, () => ran.push(i)));
    for (let i = 0; i < 20000; i++) if (i % 3 !== 0) timers[i]!.cancel();
    timers[1]!.cancel();
    assert.equal(s.pending, Math.ceil(20000 / 3));
    await s.run(30_000);
    assert.deepEqual(ran, Array.from({ length: Math.ceil(20000 / 3) }, (_, k) => k * 3));
    timers[0]!.cancel(); // after firing: no-op
    assert.equal(s.pending, 0);
  });

  it('run(until) leaves later events pending; timers set by events land in order', async () => {
    const s = new Scheduler();
    const got: number[] = [];
    s.setTimer(1, () => {
      got.push(s.now());
      s.setTimer(1, () => got.push(s.now()));
      s.setTimer(50, () => got.push(s.now()));
    });
    await s.run(10);
    assert.deepEqual(got, [1, 2]);
    assert.equal(s.nextTime(), 51);
    await s.run(60);
    assert.deepEqual(got, [1, 2, 51]);
  });

  it('lets await-continuations run at the virtual time of the event that resolved them', async () => {
    const s = new Scheduler();
    const times: number[] = [];
    const wait = (ms: number) => new Promise<void>((r) => s.setTimer(ms, r));
    async function inner(): Promise<number> {
      await wait(5);
      return s.now();
    }
    async function flow(): Promise<void> {
      times.push(await inner());
      times.push(s.now());
      await wait(10);
      times.push(s.now());
    }
    void flow();
    s.setTimer(100, () => times.push(-1));
    await s.run(1000);
    assert.deepEqual(times, [5, 5, 15, -1]);
  });

  it('runUntilIdle runs everything and stops a livelock with an error', async () => {
    const s = new Scheduler();
    let n = 0;
    for (let i = 0; i < 10; i++) s.setTimer(i, () => n++);
    assert.equal(await s.runUntilIdle(), 10);
    const loop = (): void => void s.setTimer(1, loop);
    loop();
    await assert.rejects(s.runUntilIdle(100), /not idle after 100 events/);
  });

  it('an exception in an event rejects run and the scheduler can run again', async () => {
    const s = new Scheduler();
    s.setTimer(1, () => {
      throw new Error('boom');
    });
    let later = false;
    s.setTimer(2, () => (later = true));
    await assert.rejects(s.run(10), /boom/);
    await s.run(10);
    assert.equal(later, true);
  });

  it('runSync is equivalent for callback-only code', () => {
    const order = (sync: boolean): number[] => {
      const s = new Scheduler();
      const got: number[] = [];
      for (let i = 0; i < 20; i++) s.setTimer((i * 7) % 5, () => got.push(i));
      if (sync) s.runSync(10);
      return got;
    };
    assert.deepEqual(order(true), [0, 5, 10, 15, 3, 8, 13, 18, 1, 6, 11, 16, 4, 9, 14, 19, 2, 7, 12, 17]);
  });
});

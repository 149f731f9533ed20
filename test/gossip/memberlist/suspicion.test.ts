import { strict as assert } from 'node:assert';
import { remainingSuspicionTime, Suspicion, suspicionTimeout } from '../../../gossip/memberlist/suspicion.js';
import { Scheduler } from '../../../sim/scheduler.js';

describe('memberlist suspicion (Lifeguard dynamic timeout)', () => {
  it('suspicionTimeout = mult · max(1, log10(n)) · interval', () => {
    assert.equal(suspicionTimeout(4, 1, 1000), 4000);
    assert.equal(suspicionTimeout(4, 10, 1000), 4000);
    assert.equal(suspicionTimeout(4, 100, 1000), 8000);
    assert.equal(suspicionTimeout(4, 1000, 1000), 12000);
    assert.equal(suspicionTimeout(3, 50, 1000), 5094); // log10(50)=1.69897, truncated to 1.698 as Go does
  });

  it('remaining time shrinks from max to min with confirmations (memberlist suspicion_test cases)', () => {
    // k=3, min 2 s, max 30 s, as in memberlist's TestSuspicion_remainingSuspicionTime.
    assert.equal(remainingSuspicionTime(0, 3, 0, 2000, 30000), 30000);
    assert.equal(remainingSuspicionTime(1, 3, 2000, 2000, 30000), 14000);
    assert.equal(remainingSuspicionTime(2, 3, 3000, 2000, 30000), 4810);
    assert.equal(remainingSuspicionTime(3, 3, 4000, 2000, 30000), -2000);
    assert.equal(remainingSuspicionTime(4, 3, 5000, 2000, 30000), -3000);
    assert.equal(remainingSuspicionTime(5, 3, 10000, 2000, 30000), -8000);
  });

  it('fires at max without confirmations, at min with k=0', async () => {
    const clock = new Scheduler();
    let firedAt = -1;
    new Suspicion(clock, 'a', 3, 2000, 30000, () => (firedAt = clock.now()));
    await clock.run(40000);
    assert.equal(firedAt, 30000);
    const clock2 = new Scheduler();
    new Suspicion(clock2, 'a', 0, 2000, 30000, () => (firedAt = clock2.now()));
    await clock2.run(40000);
    assert.equal(firedAt, 2000);
  });

  it('independent confirmations speed it up; duplicates and the accuser do not count', async () => {
    const clock = new Scheduler();
    let fired: { at: number; n: number } | undefined;
    const s = new Suspicion(clock, 'a', 3, 2000, 30000, (n) => (fired = { at: clock.now(), n }));
    await clock.run(1000);
    assert.equal(s.confirm('a'), false); // the original accuser
    assert.equal(s.confirm('b'), true);
    assert.equal(s.confirm('b'), false);
    await clock.run(2000);
    assert.equal(s.confirm('c'), true);
    await clock.run(30000);
    // After 2 of 3 confirmations the total timeout is 30 - log(3)/log(4)·28 = 7.81 s from the start.
    assert.deepEqual(fired, { at: 7810, n: 2 });
  });

  it('k confirmations bring it to min (or fire at once if min has passed)', async () => {
    const clock = new Scheduler();
    let firedAt = -1;
    const s = new Suspicion(clock, 'a', 2, 2000, 30000, () => (firedAt = clock.now()));
    await clock.run(5000);
    s.confirm('b');
    s.confirm('c');
    assert.equal(s.confirm('d'), false, 'no more than k confirmations are taken');
    await clock.run(6000);
    assert.equal(firedAt, 5000);
  });

  it('cancel stops it', async () => {
    const clock = new Scheduler();
    let fired = false;
    const s = new Suspicion(clock, 'a', 0, 100, 100, () => (fired = true));
    s.cancel();
    await clock.run(1000);
    assert.equal(fired, false);
  });
});

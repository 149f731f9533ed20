import { strict as assert } from 'node:assert';
import { RealClock } from '../../../lib/runtime/clock.js';

describe('lib/runtime/clock', () => {
  it('now() is monotonic', () => {
    const c = new RealClock();
    let prev = c.now();
    for (let i = 0; i < 1000; i++) {
      const t = c.now();
      assert.ok(t >= prev);
      prev = t;
    }
  });

  it('a timer fires once, not before its delay', async () => {
    const c = new RealClock();
    const start = c.now();
    let fired = 0;
    await new Promise<void>((resolve) =>
      c.setTimer(15, () => {
        fired++;
        resolve();
      }),
    );
    // Node may fire a timer up to ~1 ms early relative to performance.now's origin rounding.
    assert.ok(c.now() - start >= 14, `fired after ${c.now() - start} ms`);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fired, 1);
    assert.equal(c.pendingCount, 0);
  });

  it('a zero delay is never synchronous', async () => {
    const c = new RealClock();
    let fired = false;
    const done = new Promise<void>((resolve) =>
      c.setTimer(0, () => {
        fired = true;
        resolve();
      }),
    );
    assert.equal(fired, false);
    await done;
    assert.equal(fired, true);
  });

  it('cancel prevents firing and is idempotent; cancelAll clears everything', async () => {
    const c = new RealClock();
    let fired = 0;
    const t = c.setTimer(5, () => fired++);
    t.cancel();
    t.cancel();
    c.setTimer(5, () => fired++);
    c.setTimer(10_000, () => fired++);
    assert.equal(c.pendingCount, 2);
    c.cancelAll();
    assert.equal(c.pendingCount, 0);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fired, 0);
  });

  it('timers run in delay order', async () => {
    const c = new RealClock();
    const order: number[] = [];
    await new Promise<void>((resolve) => {
      c.setTimer(12, () => {
        order.push(12);
        resolve();
      });
      c.setTimer(1, () => order.push(1));
      c.setTimer(6, () => order.push(6));
    });
    assert.deepEqual(order, [1, 6, 12]);
  });
});

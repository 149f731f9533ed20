import { strict as assert } from 'node:assert';
import { CryptoRandom } from '../../../lib/runtime/random.js';

describe('lib/runtime/random', () => {
  const r = new CryptoRandom();

  it('next() is in [0, 1) and roughly uniform', () => {
    const buckets = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
      buckets[Math.floor(x * 10)]!++;
    }
    // Each bucket expects 10 000 with sd ~95; 600 is over 6 sd, so a false failure is ~1e-9.
    for (const b of buckets) assert.ok(Math.abs(b - n / 10) < 600, `bucket ${b}`);
  });

  it('int(n) covers exactly [0, n)', () => {
    for (const n of [1, 2, 3, 7, 1000, 2 ** 32, 2 ** 40]) {
      for (let i = 0; i < 2000; i++) {
        const x = r.int(n);
        assert.ok(Number.isInteger(x) && x >= 0 && x < n, `${x} for n=${n}`);
      }
    }
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(r.int(5));
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
    assert.throws(() => r.int(0), RangeError);
    assert.throws(() => r.int(2.5), RangeError);
  });

  it('shuffle permutes in place', () => {
    const a = Array.from({ length: 100 }, (_, i) => i);
    const b = r.shuffle(a);
    assert.equal(b, a);
    assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
    assert.notDeepEqual(a, Array.from({ length: 100 }, (_, i) => i)); // 1/100! chance of a false failure
  });

  it('bytes(n) gives n fresh bytes; forks are independent streams', () => {
    assert.equal(r.bytes(0).length, 0);
    const a = r.bytes(32);
    const b = r.bytes(32);
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, b);
    const f1 = r.fork('probe');
    const f2 = r.fork('probe');
    assert.notDeepEqual(f1.bytes(16), f2.bytes(16));
  });
});

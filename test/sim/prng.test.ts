import { strict as assert } from 'node:assert';
import { hashSeed, seededRandom } from '../../sim/prng.js';

describe('sim/prng', () => {
  it('the same seed gives the same stream, another seed another', () => {
    const a = seededRandom(42);
    const b = seededRandom('42');
    const c = seededRandom(43);
    const xa = Array.from({ length: 20 }, () => a.next());
    assert.deepEqual(Array.from({ length: 20 }, () => b.next()), xa);
    assert.notDeepEqual(Array.from({ length: 20 }, () => c.next()), xa);
  });

  it('forks depend only on seed and label: adding a fork or drawing from the parent perturbs nothing', () => {
    const r1 = seededRandom('m');
    const n1 = r1.fork('node/n1');
    const first = [n1.next(), n1.next()];
    const r2 = seededRandom('m');
    r2.next();
    r2.fork('node/n0').next();
    const n1again = r2.fork('node/n1');
    assert.deepEqual([n1again.next(), n1again.next()], first);
    assert.notEqual(r2.fork('node/n2').next(), first[0]);
    // Label boundaries matter: fork('a').fork('b') is not fork('ab').
    assert.notEqual(seededRandom('m').fork('a').fork('b').next(), seededRandom('m').fork('ab').next());
  });

  it('next() is uniform in [0,1): mean and bucket counts of 100 000 draws within 5σ', () => {
    const r = seededRandom('uniform');
    const n = 100_000;
    const buckets = new Array(10).fill(0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      buckets[Math.floor(x * 10)]++;
    }
    // mean of U(0,1): σ = sqrt(1/12/n) ≈ 0.00091
    assert.ok(Math.abs(sum / n - 0.5) < 5 * Math.sqrt(1 / 12 / n));
    // each bucket ~ Binomial(n, 0.1): σ = sqrt(n·0.1·0.9) ≈ 95
    for (const b of buckets) assert.ok(Math.abs(b - n / 10) < 5 * Math.sqrt(n * 0.09), `bucket ${b}`);
  });

  it('int, shuffle and bytes stay in range and are reproducible', () => {
    const r = seededRandom('ints');
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const k = r.int(7);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
      seen.add(k);
    }
    assert.equal(seen.size, 7);
    const big = r.int(2 ** 40);
    assert.ok(Number.isInteger(big) && big >= 0 && big < 2 ** 40);
    const arr = Array.from({ length: 50 }, (_, i) => i);
    const sh = seededRandom('s').shuffle([...arr]);
    assert.deepEqual([...sh].sort((a, b) => a - b), arr);
    assert.notDeepEqual(sh, arr);
    assert.deepEqual(seededRandom('s').shuffle([...arr]), sh);
    const b = seededRandom('b').bytes(13);
    assert.equal(b.length, 13);
    assert.deepEqual(seededRandom('b').bytes(13), b);
  });

  it('hashSeed spreads nearby seeds', () => {
    assert.notDeepEqual(hashSeed('1'), hashSeed('2'));
    assert.ok(hashSeed('').every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32));
  });
});

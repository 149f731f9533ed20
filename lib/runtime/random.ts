// The real Random: cryptographically strong, unseeded. Reproducible runs use the simulator's
// seeded PRNG (sim/prng.ts); real nodes want unpredictable nonces, ids and probe orders.
import { randomFillSync } from 'node:crypto';
import type { Random } from '../../gossip/runtime.js';

const POOL_BYTES = 4096;
const TWO_POW_32 = 0x1_0000_0000;

export class CryptoRandom implements Random {
  // Refilling one pool amortises the syscall over ~1000 draws; probe/shuffle paths draw often.
  private readonly pool = new Uint32Array(POOL_BYTES / 4);
  private pos = this.pool.length;

  private u32(): number {
    if (this.pos >= this.pool.length) {
      randomFillSync(this.pool);
      this.pos = 0;
    }
    return this.pool[this.pos++]!;
  }

  next(): number {
    // 53 random bits: 27 from one word, 26 from another, as a double in [0, 1).
    const hi = this.u32() >>> 5;
    const lo = this.u32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`Random.int: n must be an integer >= 1, got ${n}`);
    if (n <= TWO_POW_32) {
      // Rejection sampling keeps the result unbiased for every n.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const u = this.u32();
        if (u < limit) return u % n;
      }
    }
    return Math.floor(this.next() * n);
  }

  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = tmp;
    }
    return arr;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    if (n > 0) randomFillSync(out);
    return out;
  }

  /** Each fork is another independent strong stream; the label only matters for seeded PRNGs. */
  fork(_label: string): Random {
    return new CryptoRandom();
  }
}

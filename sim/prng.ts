// Seeded PRNG (sfc32) behind the Random seam. A stream is named by a path (master seed, then
// labels); its state is a hash of that path alone, so forking "node/n7" or "probe" never consumes
// from, nor depends on, any sibling stream: adding a node or a concern leaves the others intact.
import type { Random } from '../gossip/runtime.js';

/** Four independent 32-bit lanes of a string hash (cyrb128-style mixing), used as sfc32 state. */
export function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1779033703,
    h2 = 3144134277,
    h3 = 1013904242,
    h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

const TWO_32 = 4294967296;

export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(
    /** The stream's identity: master seed and fork labels joined; fork() extends it. */
    readonly path: string,
  ) {
    [this.a, this.b, this.c, this.d] = hashSeed(path);
    // sfc32 needs a few rounds before nearby seeds decorrelate.
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let a = this.a,
      b = this.b,
      c = this.c,
      d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return t >>> 0;
  }

  next(): number {
    return this.u32() / TWO_32;
  }

  int(n: number): number {
    if (n <= TWO_32) return Math.floor(this.next() * n);
    // 53 bits for ranges beyond 2^32.
    const x = (this.u32() >>> 11) * TWO_32 + this.u32();
    return Math.floor((x / 2 ** 53) * n);
  }

  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = t;
    }
    return arr;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let w = this.u32();
      for (let j = i; j < i + 4 && j < n; j++) {
        out[j] = w & 0xff;
        w >>>= 8;
      }
    }
    return out;
  }

  fork(label: string): SeededRandom {
    return new SeededRandom(`${this.path}\u0000${label}`);
  }
}

/** A Random for a master seed; the same seed always yields the same streams. */
export function seededRandom(seed: string | number): SeededRandom {
  return new SeededRandom(String(seed));
}

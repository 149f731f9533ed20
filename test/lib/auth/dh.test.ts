// DH + SecretBox of lib/auth against the python `diffiehellman` package and PyNaCl: stored
// vectors (made by dh-vectors.py) always; fresh random cases against the live library when the
// python peer is installed.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DhParty,
  MalformedPublicKey,
  bigIntToBytes,
  bytesToBigInt,
  dhGroupFor,
  jacobi,
  modPow,
  privateKeyBytes,
  verifyPublicKey,
} from '../../../lib/auth/dh.js';
import { BoxError, openBox, packPassword, passwordHash, sealBox } from '../../../lib/auth/password.js';
import { distkvPyAvailable, runPyScript } from '../../interop/peers.js';

const here = dirname(fileURLToPath(import.meta.url));
interface Vec {
  length: number;
  a: string;
  b: string;
  nonce: string;
  password: string;
  pubA: string;
  pubB: string;
  key: string;
  hash: string;
  box: string;
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const fixed = (h: string) => (n: number): Uint8Array => {
  const b = unhex(h);
  assert.equal(b.length, n, 'private key length as the python package draws it');
  return b;
};

function check(v: Vec): void {
  const a = new DhParty(v.length, fixed(v.a));
  const b = new DhParty(v.length, fixed(v.b));
  assert.equal(hex(a.publicBytes()), v.pubA);
  assert.equal(hex(b.publicBytes()), v.pubB);
  const k1 = a.boxKey(b.publicBytes());
  const k2 = b.boxKey(a.publicBytes());
  assert.equal(hex(k1), v.key);
  assert.equal(hex(k2), v.key);
  assert.equal(hex(passwordHash(v.password)), v.hash);
  assert.equal(hex(packPassword(k1, v.password, unhex(v.nonce))), v.box);
  assert.equal(hex(openBox(k2, unhex(v.box))), v.hash);
}

describe('auth DH + SecretBox (python diffiehellman / PyNaCl)', () => {
  const vectors = JSON.parse(readFileSync(join(here, 'dh-vectors.json'), 'utf8')) as Vec[];

  it('groups and private key sizes as the python package', () => {
    assert.equal(dhGroupFor(1024).id, 14);
    assert.equal(dhGroupFor(16).id, 5);
    assert.equal(dhGroupFor(31).id, 5);
    assert.equal(dhGroupFor(32).id, 14);
    assert.equal(privateKeyBytes(1024), 136);
    assert.equal(privateKeyBytes(16), 33);
    assert.equal(dhGroupFor(1024).prime.toString(16).length, 512);
    assert.equal(dhGroupFor(16).prime.toString(16).length, 384);
  });

  it('num2byte / byte2num round trips, minimal big-endian', () => {
    assert.equal(hex(bigIntToBytes(0x0102n)), '0102');
    assert.equal(hex(bigIntToBytes(0x10n)), '10');
    assert.equal(bigIntToBytes(0n).length, 0);
    assert.equal(bytesToBigInt(unhex('000102')), 0x102n);
  });

  it('matches the stored python vectors (groups 14 and 5, UTF-8 and empty passwords)', () => {
    assert.equal(vectors.length, 4);
    for (const v of vectors) check(v);
  });

  it('refuses public keys the python package refuses', () => {
    const g = dhGroupFor(1024);
    const p = new DhParty(1024, (n) => new Uint8Array(n).fill(7));
    for (const y of [0n, 1n, 2n, g.prime - 1n, g.prime, g.prime + 5n]) {
      assert.equal(verifyPublicKey(g, y), false);
      assert.throws(() => p.boxKey(bigIntToBytes(y)), MalformedPublicKey);
    }
    // a quadratic non-residue: -4 mod p (p ≡ 3 mod 4 makes -1 a non-residue, 4 is a square)
    assert.equal(verifyPublicKey(g, g.prime - 4n), false);
  });

  it("the Legendre symbol agrees with python's Euler criterion", () => {
    const g = dhGroupFor(16);
    let seed = 12345n;
    for (let i = 0; i < 40; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % (1n << 64n);
      const y = (seed * seed * 7919n + BigInt(i)) % g.prime;
      const euler = modPow(y, (g.prime - 1n) / 2n, g.prime) === 1n;
      assert.equal(jacobi(y, g.prime) === 1, euler);
    }
  });

  it('a box opens only with its key and untouched', () => {
    const key = new Uint8Array(32).fill(1);
    const boxed = sealBox(key, passwordHash('x'), new Uint8Array(24).fill(2));
    assert.equal(boxed.length, 24 + 16 + 32);
    assert.deepEqual(openBox(key, boxed), passwordHash('x'));
    const bad = boxed.slice();
    bad[30]! ^= 1;
    assert.throws(() => openBox(key, bad), BoxError);
    assert.throws(() => openBox(new Uint8Array(32), boxed), BoxError);
    assert.throws(() => openBox(key, boxed.subarray(0, 39)), BoxError);
    assert.throws(() => openBox(new Uint8Array(31), boxed), BoxError);
  });

  it('fresh random cases agree with the live python library', async function () {
    if (!distkvPyAvailable()) {
      console.warn('SKIPPED: python DistKV peer not installed (scripts/setup-peers.sh)');
      this.skip();
    }
    const cases = [1024, 1024, 16, 200].map((length, i) => ({
      length,
      a: hex(randomBytes(privateKeyBytes(length))),
      b: hex(randomBytes(privateKeyBytes(length))),
      nonce: hex(randomBytes(24)),
      password: ['pw', 'ünïcode ★', '', 'x'.repeat(300)][i]!,
    }));
    const code = readFileSync(join(here, 'dh-vectors.py'), 'utf8');
    const out = JSON.parse(await runPyScript(code, [JSON.stringify(cases)])) as Vec[];
    assert.equal(out.length, cases.length);
    for (const v of out) check(v);
  });
});

// Finite-field Diffie-Hellman exactly as DistKV 0.57.4 runs it (python package `diffiehellman`
// 0.13.1): RFC 3526 MODP group 14 for the normal 1024-"bit" key length, group 5 when the client
// asks for a short debug length (< 32), generator 2. Public keys travel as minimal big-endian
// bytes; the SecretBox key is the first 32 bytes of the raw shared secret in minimal big-endian
// form (DistKV ignores the package's own sha256 `shared_key`).

/** RFC 3526 group 5 (1536 bit). */
const MODP5 = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF',
);
/** RFC 3526 group 14 (2048 bit). */
const MODP14 = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF',
);
const GENERATOR = 2n;

/** The key length DistKV's client asks for (`ClientUser._length`); 16 with the CLI's debug flag. */
export const DEFAULT_DH_LENGTH = 1024;

export interface DhGroup {
  readonly id: 5 | 14;
  readonly prime: bigint;
}

/** python: `group=(5 if length < 32 else 14)`. */
export function dhGroupFor(length: number): DhGroup {
  return length < 32 ? { id: 5, prime: MODP5 } : { id: 14, prime: MODP14 };
}

/** Bytes of private key the package draws: `max(200, length) // 8 + 8` (so 136 for 1024). */
export function privateKeyBytes(length: number): number {
  return Math.floor(Math.max(200, length) / 8) + 8;
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** python `int.from_bytes(b, "big")`. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return hex ? BigInt('0x' + hex) : 0n;
}

/** DistKV `num2byte`: minimal big-endian bytes (zero → empty). */
export function bigIntToBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new RangeError('negative');
  if (n === 0n) return new Uint8Array(0);
  let hex = n.toString(16);
  if (hex.length & 1) hex = '0' + hex;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A peer's public key failed the package's check (python MalformedPublicKey). */
export class MalformedPublicKey extends Error {
  override name = 'MalformedPublicKey';
  constructor() {
    super('Public key malformed: fails Legendre symbol verification.');
  }
}

/** Jacobi symbol (a/n) for odd n > 0; for a prime n it is the Legendre symbol. */
export function jacobi(a: bigint, n: bigint): -1 | 0 | 1 {
  let x = a % n;
  let m = n;
  let t: -1 | 1 = 1;
  while (x !== 0n) {
    while ((x & 1n) === 0n) {
      x >>= 1n;
      const r = m & 7n;
      if (r === 3n || r === 5n) t = t === 1 ? -1 : 1;
    }
    [x, m] = [m, x];
    if ((x & 3n) === 3n && (m & 3n) === 3n) t = t === 1 ? -1 : 1;
    x %= m;
  }
  return m === 1n ? t : 0;
}

/**
 * python `verify_public_key`: 2 < y < p-1 and y^((p-1)/2) ≡ 1 (mod p), i.e. y is a quadratic
 * residue; computed as a Legendre symbol (same answer for a prime p, ~100× cheaper).
 */
export function verifyPublicKey(group: DhGroup, y: bigint): boolean {
  const p = group.prime;
  return p - 1n > y && y > 2n && jacobi(y, p) === 1;
}

/** One side of an exchange. `random(n)` supplies the private key bytes (a CSPRNG in production). */
export class DhParty {
  readonly group: DhGroup;
  private readonly priv: bigint;
  readonly publicKey: bigint;

  constructor(length: number, random: (n: number) => Uint8Array) {
    this.group = dhGroupFor(length);
    this.priv = bytesToBigInt(random(privateKeyBytes(length)));
    this.publicKey = modPow(GENERATOR, this.priv, this.group.prime);
  }

  /** The public key as sent on the wire (`pubkey`). */
  publicBytes(): Uint8Array {
    return bigIntToBytes(this.publicKey);
  }

  /** The raw shared secret; throws MalformedPublicKey like the python package. */
  sharedSecret(otherPublic: Uint8Array): bigint {
    const y = bytesToBigInt(otherPublic);
    if (!verifyPublicKey(this.group, y)) throw new MalformedPublicKey();
    return modPow(y, this.priv, this.group.prime);
  }

  /** DistKV's SecretBox key: `num2byte(shared_secret)[0:32]`. */
  boxKey(otherPublic: Uint8Array): Uint8Array {
    const k = bigIntToBytes(this.sharedSecret(otherPublic)).slice(0, 32);
    // A secret under 2^248 would make python's SecretBox refuse the key; we refuse it too.
    if (k.length !== 32) throw new MalformedPublicKey();
    return k;
  }
}

// AES-GCM payload encryption as memberlist 0.2.2 does it (security.go):
//   [version u8][nonce 12][ciphertext][tag 16]
// version 0: the plaintext is PKCS7-padded to 16 bytes first (only protocol version 1 sends it);
// version 1: no padding — what every memberlist at protocol >= 2 (all of Serf) sends.
// Packets use no additional data; streams authenticate their 5-byte frame header
// ([10][length u32 BE]) as additional data. There is no "label" in 0.2.2.
// Nonces come from the caller (the Random seam), never from crypto's own RNG.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DecodeError } from '../decode-error.js';

export type EncryptionVersion = 0 | 1;

export const VERSION_SIZE = 1;
export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;
const BLOCK_SIZE = 16;

/** memberlist's encryptOverhead: bytes added to a packet at most. */
export function encryptOverhead(vsn: EncryptionVersion): number {
  return vsn === 0 ? 45 : 29;
}

/** Exact encrypted size of an `n`-byte plaintext. */
export function encryptedLength(vsn: EncryptionVersion, n: number): number {
  if (vsn >= 1) return VERSION_SIZE + NONCE_SIZE + n + TAG_SIZE;
  return VERSION_SIZE + NONCE_SIZE + n + (BLOCK_SIZE - (n % BLOCK_SIZE)) + TAG_SIZE;
}

function algorithm(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      throw new RangeError(`bad AES key size ${key.length}`);
  }
}

function pkcs7Pad(msg: Uint8Array): Uint8Array {
  const more = BLOCK_SIZE - (msg.length % BLOCK_SIZE);
  const out = new Uint8Array(msg.length + more);
  out.set(msg);
  out.fill(more, msg.length);
  return out;
}

/** Encrypts `msg` with `key`; `nonce` must be 12 fresh random bytes. */
export function encryptPayload(
  vsn: EncryptionVersion,
  key: Uint8Array,
  msg: Uint8Array,
  nonce: Uint8Array,
  aad?: Uint8Array,
): Uint8Array {
  if (nonce.length !== NONCE_SIZE) throw new RangeError('nonce must be 12 bytes');
  const plain = vsn === 0 ? pkcs7Pad(msg) : msg;
  const c = createCipheriv(algorithm(key), key, nonce);
  if (aad !== undefined) c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  const out = new Uint8Array(VERSION_SIZE + NONCE_SIZE + body.length);
  out[0] = vsn;
  out.set(nonce, VERSION_SIZE);
  out.set(body, VERSION_SIZE + NONCE_SIZE);
  return out;
}

function tryOpen(key: Uint8Array, msg: Uint8Array, aad: Uint8Array | undefined): Uint8Array | null {
  const nonce = msg.subarray(VERSION_SIZE, VERSION_SIZE + NONCE_SIZE);
  const ct = msg.subarray(VERSION_SIZE + NONCE_SIZE, msg.length - TAG_SIZE);
  const tag = msg.subarray(msg.length - TAG_SIZE);
  try {
    const d = createDecipheriv(algorithm(key), key, nonce);
    d.setAuthTag(tag);
    if (aad !== undefined) d.setAAD(aad);
    return new Uint8Array(Buffer.concat([d.update(ct), d.final()]));
  } catch {
    return null;
  }
}

/** Tries every key (primary first). DecodeError if the payload is malformed or no key fits. */
export function decryptPayload(keys: readonly Uint8Array[], msg: Uint8Array, aad?: Uint8Array): Uint8Array {
  const what = 'memberlist encrypted payload';
  if (msg.length === 0) throw new DecodeError('cannot decrypt empty payload', 0, what);
  const vsn = msg[0]!;
  if (vsn > 1) throw new DecodeError(`unsupported encryption version ${vsn}`, 0, what);
  if (msg.length < encryptedLength(vsn as EncryptionVersion, 0)) {
    throw new DecodeError(`payload is too small to decrypt: ${msg.length}`, 0, what);
  }
  for (const key of keys) {
    const plain = tryOpen(key, msg, aad);
    if (plain === null) continue;
    if (vsn === 1) return plain;
    // Go trusts the pad byte blindly (and would panic on a bad one); we check it.
    const pad = plain.length > 0 ? plain[plain.length - 1]! : 0;
    if (pad === 0 || pad > BLOCK_SIZE || pad > plain.length) throw new DecodeError('bad PKCS7 padding', 0, what);
    return plain.subarray(0, plain.length - pad);
  }
  throw new DecodeError('no installed keys could decrypt the message', 0, what);
}

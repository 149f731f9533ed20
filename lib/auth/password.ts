// DistKV's `password` method, crypto part: the stored and compared secret is SHA-256 of the
// UTF-8 password (no salt, no KDF — see docs/auth.md), carried inside a NaCl SecretBox
// (XSalsa20-Poly1305) keyed by the DH exchange, nonce prepended as PyNaCl's `encrypt` does.
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';

/** python `sha256(password.encode("utf-8")).digest()`. */
export function passwordHash(password: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(password, 'utf8').digest());
}

/** PyNaCl `SecretBox(key).encrypt(plain)`: nonce(24) ‖ MAC(16) ‖ ciphertext. */
export function sealBox(key: Uint8Array, plain: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (key.length !== nacl.secretbox.keyLength) throw new RangeError('SecretBox key must be 32 bytes');
  if (nonce.length !== nacl.secretbox.nonceLength) throw new RangeError('SecretBox nonce must be 24 bytes');
  const boxed = nacl.secretbox(plain, nonce, key);
  const out = new Uint8Array(nonce.length + boxed.length);
  out.set(nonce, 0);
  out.set(boxed, nonce.length);
  return out;
}

/** The message could not be opened (python nacl CryptoError). */
export class BoxError extends Error {
  override name = 'CryptoError';
}

/** PyNaCl `SecretBox(key).decrypt(msg)` for a nonce-prefixed message. */
export function openBox(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const nl = nacl.secretbox.nonceLength;
  if (key.length !== nacl.secretbox.keyLength) throw new BoxError('The key must be exactly 32 bytes long');
  if (msg.length < nl + nacl.secretbox.overheadLength) throw new BoxError('Decryption failed. Ciphertext failed verification');
  const plain = nacl.secretbox.open(msg.subarray(nl), msg.subarray(0, nl), key);
  if (!plain) throw new BoxError('Decryption failed. Ciphertext failed verification');
  return plain;
}

/** Client side (python `pack_pwd`): the hash of `password`, sealed for the server. */
export function packPassword(key: Uint8Array, password: string, nonce: Uint8Array): Uint8Array {
  return sealBox(key, passwordHash(password), nonce);
}

/** Constant-time comparison of two hashes (python compares with `!=`; timing is ours to fix). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

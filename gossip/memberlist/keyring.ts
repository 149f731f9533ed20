// The AES keys a memberlist node accepts: one primary (used to encrypt) and any number of
// secondaries (tried when decrypting), as memberlist's Keyring. Keys are 16, 24 or 32 bytes
// (AES-128/192/256). Serf passes them base64-encoded (`-encrypt`, keyring file).
import { bytesEqual } from '../msgpack-go.js';

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

export function validateKey(key: Uint8Array): void {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new KeyringError(`key size must be 16, 24 or 32 bytes, not ${key.length}`);
  }
}

/** Decodes a base64 key as Serf's -encrypt flag takes it, validating its size. */
export function keyFromBase64(text: string): Uint8Array {
  const clean = text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) throw new KeyringError('key is not valid base64');
  const key = new Uint8Array(Buffer.from(clean, 'base64'));
  validateKey(key);
  return key;
}

export function keyToBase64(key: Uint8Array): string {
  return Buffer.from(key).toString('base64');
}

export class Keyring {
  // keys[0] is the primary; the order of the rest is installation order.
  private keys: Uint8Array[] = [];

  /** memberlist's NewKeyring: a primary is required when any key is given. */
  constructor(primary?: Uint8Array, secondaries: readonly Uint8Array[] = []) {
    if (primary === undefined) {
      if (secondaries.length > 0) throw new KeyringError('empty primary key not allowed');
      return;
    }
    this.addKey(primary);
    for (const k of secondaries) this.addKey(k);
  }

  /** Adds a key (no-op if present). The first key ever added becomes the primary. */
  addKey(key: Uint8Array): void {
    validateKey(key);
    if (this.keys.some((k) => bytesEqual(k, key))) return;
    this.keys.push(Uint8Array.from(key));
  }

  /** Makes an installed key the primary. */
  useKey(key: Uint8Array): void {
    const i = this.keys.findIndex((k) => bytesEqual(k, key));
    if (i < 0) throw new KeyringError('requested key is not in the keyring');
    const [k] = this.keys.splice(i, 1);
    this.keys.unshift(k!);
  }

  /** Removes a secondary key; removing the primary is refused; unknown keys are ignored. */
  removeKey(key: Uint8Array): void {
    if (this.keys.length > 0 && bytesEqual(this.keys[0]!, key)) throw new KeyringError('removing the primary key is not allowed');
    this.keys = this.keys.filter((k) => !bytesEqual(k, key));
  }

  /** All keys, primary first (the order decryption tries them in). */
  getKeys(): readonly Uint8Array[] {
    return this.keys;
  }

  primaryKey(): Uint8Array | undefined {
    return this.keys[0];
  }

  /** Encryption is on exactly when the keyring holds a key. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }
}

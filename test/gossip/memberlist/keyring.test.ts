import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import { Keyring, KeyringError, keyFromBase64, keyToBase64 } from '../../../gossip/memberlist/keyring.js';
import { decryptPayload, encryptedLength, encryptOverhead, encryptPayload } from '../../../gossip/memberlist/security.js';

const k = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const nonce = Uint8Array.from({ length: 12 }, (_, i) => i);
const msg = new TextEncoder().encode('hello memberlist');

describe('keyring', () => {
  it('accepts 16/24/32-byte keys only', () => {
    for (const n of [16, 24, 32]) assert.doesNotThrow(() => new Keyring(k(n, 1)));
    for (const n of [0, 15, 17, 31, 33]) assert.throws(() => new Keyring(k(n, 1)), KeyringError);
    assert.throws(() => new Keyring(undefined, [k(16, 1)]), KeyringError);
    assert.equal(new Keyring().enabled, false);
  });

  it('primary first; add / use / remove as memberlist does', () => {
    const a = k(16, 1);
    const b = k(24, 2);
    const c = k(32, 3);
    const r = new Keyring(a, [b]);
    assert.deepEqual(r.getKeys(), [a, b]);
    r.addKey(c);
    r.addKey(b); // duplicate: no-op
    assert.deepEqual(r.getKeys(), [a, b, c]);
    r.useKey(c);
    assert.deepEqual(r.primaryKey(), c);
    assert.deepEqual(r.getKeys(), [c, a, b]);
    assert.throws(() => r.removeKey(c), KeyringError);
    r.removeKey(a);
    assert.deepEqual(r.getKeys(), [c, b]);
    assert.throws(() => r.useKey(a), KeyringError);
  });

  it('base64 keys as serf keygen prints them', () => {
    const key = keyFromBase64('yJEyFWkR97tUiivPkUjsqw==');
    assert.equal(key.length, 16);
    assert.equal(keyToBase64(key), 'yJEyFWkR97tUiivPkUjsqw==');
    assert.throws(() => keyFromBase64('not base64!'), KeyringError);
    assert.throws(() => keyFromBase64('AAAA'), KeyringError);
  });
});

describe('security (AES-GCM payloads)', () => {
  it('version 1: [1][nonce][ciphertext][tag], no padding', () => {
    const out = encryptPayload(1, k(16, 7), msg, nonce);
    assert.equal(out.length, encryptedLength(1, msg.length));
    assert.equal(out.length - msg.length, encryptOverhead(1));
    assert.equal(out[0], 1);
    assert.deepEqual(out.subarray(1, 13), nonce);
    assert.deepEqual(decryptPayload([k(16, 7)], out), msg);
  });

  it('version 0: PKCS7-padded to 16 bytes', () => {
    for (const len of [0, 1, 15, 16, 17]) {
      const m = k(len, 0x41);
      const out = encryptPayload(0, k(32, 9), m, nonce);
      assert.equal(out.length, encryptedLength(0, len));
      assert.equal((out.length - 29) % 16, 0);
      assert.deepEqual(decryptPayload([k(32, 9)], out), m);
    }
  });

  it('tries every key; the wrong key, a tampered byte or wrong additional data are rejected', () => {
    const out = encryptPayload(1, k(24, 2), msg, nonce, Uint8Array.of(10, 0, 0, 0, 1));
    assert.deepEqual(decryptPayload([k(16, 1), k(32, 3), k(24, 2)], out, Uint8Array.of(10, 0, 0, 0, 1)), msg);
    assert.throws(() => decryptPayload([k(16, 1), k(32, 3)], out, Uint8Array.of(10, 0, 0, 0, 1)), DecodeError);
    assert.throws(() => decryptPayload([k(24, 2)], out), DecodeError);
    const bad = out.slice();
    bad[20]! ^= 1;
    assert.throws(() => decryptPayload([k(24, 2)], bad, Uint8Array.of(10, 0, 0, 0, 1)), DecodeError);
    assert.throws(() => decryptPayload([k(24, 2)], new Uint8Array(0)), DecodeError);
    assert.throws(() => decryptPayload([k(24, 2)], Uint8Array.of(2, ...new Uint8Array(40))), DecodeError);
    assert.throws(() => decryptPayload([k(24, 2)], Uint8Array.of(1, 2, 3)), DecodeError);
  });

  it('property: random bytes never decrypt and only throw DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        assert.throws(() => decryptPayload([k(16, 1)], b), DecodeError);
      }),
      { numRuns: 500 },
    );
  });
});

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import { decodeMessage } from '../../../gossip/memberlist/codec.js';
import { lzwCompress, lzwDecompress } from '../../../gossip/memberlist/lzw.js';
import { bytesOf, loadScenario } from '../../vectors/memberlist/load.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Every compress message Serf sent in the captures (LZW streams produced by Go). */
function goStreams(): { lzw: Uint8Array; plain?: Uint8Array }[] {
  const out: { lzw: Uint8Array }[] = [];
  const s = loadScenario('plain');
  for (const c of [...s.udp, ...s.tcp]) {
    const m = decodeMessage(bytesOf(c));
    if (m.type === 'compress') out.push({ lzw: m.buf });
  }
  return out;
}

describe('lzw (Go compress/lzw, LSB, literal width 8)', () => {
  it('known small encodings', () => {
    // clear(256), end(257) at 9 bits, LSB first
    assert.equal(hex(lzwCompress(new Uint8Array(0))), '000302');
    // clear, 'a'(0x61), end
    assert.equal(hex(lzwCompress(Uint8Array.of(0x61))), '00c30404');
    assert.deepEqual(lzwDecompress(lzwCompress(new Uint8Array(0))), new Uint8Array(0));
  });

  it('decodes the streams Go produced and reproduces them byte for byte', () => {
    const streams = goStreams();
    assert.ok(streams.length >= 3, `found ${streams.length}`);
    for (const { lzw } of streams) {
      const plain = lzwDecompress(lzw);
      assert.ok(plain.length > 0);
      assert.equal(hex(lzwCompress(plain)), hex(lzw));
    }
  });

  it('reproduces a 6.4 KB Go stream whose code table ran full (bigpp push-pull)', () => {
    const m = decodeMessage(bytesOf(loadScenario('bigpp').tcp[1]!));
    assert.equal(m.type, 'compress');
    if (m.type !== 'compress') return;
    const plain = lzwDecompress(m.buf);
    assert.equal(plain.length, 7173);
    assert.ok(m.buf.length > 6000);
    assert.equal(hex(lzwCompress(plain)), hex(m.buf));
  });

  it('accepts streams without the leading clear code (Go < 1.17 writers)', () => {
    const data = new TextEncoder().encode('TOBEORNOTTOBEORTOBEORNOT');
    const withClear = lzwCompress(data);
    // Re-pack the codes without the first 9-bit clear code.
    const codes: number[] = [];
    let bits = 0;
    let n = 0;
    let width = 9;
    let hi = 257;
    let pos = 0;
    let last = -1;
    for (;;) {
      while (n < width) {
        bits |= withClear[pos++]! << n;
        n += 8;
      }
      const c = bits & ((1 << width) - 1);
      bits >>>= width;
      n -= width;
      codes.push(c);
      if (c === 257) break;
      if (c === 256) continue;
      if (last !== -1) hi++;
      last = c;
      if (hi + 1 >= 1 << width) width++;
    }
    // (small input: every code is 9 bits wide)
    assert.ok(codes.every((c) => c < 512));
    const out: number[] = [];
    bits = 0;
    n = 0;
    for (const c of codes.slice(1)) {
      bits |= c << n;
      n += 9;
      while (n >= 8) {
        out.push(bits & 0xff);
        bits >>>= 8;
        n -= 8;
      }
    }
    if (n > 0) out.push(bits & 0xff);
    assert.deepEqual(lzwDecompress(Uint8Array.from(out)), data);
  });

  it('round-trips long inputs that run the code table full (clear + restart)', () => {
    let x = 12345;
    const rnd = new Uint8Array(200_000);
    for (let i = 0; i < rnd.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      rnd[i] = x >>> 24;
    }
    const lowEntropy = rnd.map((b) => b & 0x07);
    for (const input of [rnd, lowEntropy, new Uint8Array(100_000)]) {
      const c = lzwCompress(input);
      assert.deepEqual(lzwDecompress(c), input);
    }
  });

  it('property: decompress(compress(x)) = x', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 256 }), (b, alphabet) => {
        const input = b.map((v) => v % alphabet);
        assert.deepEqual(lzwDecompress(lzwCompress(input)), input);
      }),
      { numRuns: 200 },
    );
  });

  it('garbage and truncation give DecodeError; output is capped', () => {
    const c = lzwCompress(new TextEncoder().encode('hello hello hello hello'));
    for (let n = 0; n < c.length - 1; n++) assert.throws(() => lzwDecompress(c.subarray(0, n)), DecodeError, `prefix ${n}`);
    assert.throws(() => lzwDecompress(Uint8Array.of(0xff, 0xff, 0xff)), DecodeError);
    assert.throws(() => lzwDecompress(lzwCompress(new Uint8Array(100_000)), { maxOutput: 1000 }), DecodeError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          lzwDecompress(b);
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../gossip/decode-error.js';
import {
  EncodeError,
  Ext,
  MsgStreamDecoder,
  PyFloat,
  Timestamp,
  decode,
  decodeAll,
  encode,
  pyEquals,
  pyType,
  type Value,
} from '../../store/codec.js';
import { Path } from '../../store/path.js';
import { hex, unhex, valueArb } from './codec-arbitraries.js';

const RUNS = Number(process.env.FC_RUNS ?? 500);

describe('store/codec', () => {
  describe('packs like Python msgpack 1.0.3 (use_bin_type, float64, smallest ints)', () => {
    // Expected bytes are what distkv.util.packer produces (checked with the peer, see
    // test/interop/distkv-py-codec.test.ts for the live comparison).
    const cases: [string, Value, string][] = [
      ['nil/bool', [null, true, false], '93c0c3c2'],
      ['positive ints', [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32], '99007fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000'],
      ['negative ints', [-1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1], '99ffe0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffff'],
      ['int64 edges', [2n ** 64n - 1n, -(2n ** 63n)], '92cfffffffffffffffffd38000000000000000'],
      ['big int as ext 2', 2n ** 64n, 'c70902010000000000000000'],
      ['floats', [0.5, new PyFloat(1), new PyFloat(-0), 2 ** 60], '94cb3fe0000000000000cb3ff0000000000000cb8000000000000000cb43b0000000000000'],
      ['str sizes', ['', 'a'.repeat(31), 'é'], '93a0bf' + '61'.repeat(31) + 'a2c3a9'],
      ['str8', 'a'.repeat(32), 'd920' + '61'.repeat(32)],
      ['bytes', Uint8Array.from([1, 2]), 'c4020102'],
      ['map keeps order, non-string keys', new Map<Value, Value>([[2, 'a'], [null, 1]]), '8202a161c001'],
      ['object', { b: 1, a: 2 }, '82a16201a16102'],
      ['root path', Path.ROOT, 'c70003'],
      ['path fixext8', Path.of('cli', 'key'), 'd703a3636c69a36b6579'],
      ['path ext8', Path.of('demo', 'capture'), 'c70d03a464656d6fa763617074757265'],
      ['ext', new Ext(5, Uint8Array.from([1, 2, 3])), 'c7030501' + '0203'],
      ['timestamp32', new Timestamp(1n, 0), 'd6ff00000001'],
      ['timestamp64', new Timestamp(1n, 1), 'd7ff0000000400000001'],
      ['timestamp96', new Timestamp(-1n, 0), 'c70cff00000000ffffffffffffffff'],
    ];
    for (const [name, v, h] of cases) {
      it(name, () => {
        assert.equal(hex(encode(v)), h);
        assert.equal(hex(encode(decode(unhex(h)))), h, 're-encodes identically');
      });
    }
    it('refuses what Python refuses', () => {
      assert.throws(() => encode(-(2n ** 63n) - 1n), EncodeError);
      assert.throws(() => encode('\ud800'), EncodeError);
      assert.throws(() => encode([undefined as unknown as Value]), EncodeError);
      let deep: Value = 1;
      for (let i = 0; i < 520; i++) deep = [deep];
      assert.throws(() => encode(deep), EncodeError);
    });
    it('leaves out object properties that are undefined', () => {
      assert.equal(hex(encode({ a: 1, b: undefined as unknown as Value })), '81a16101');
    });
  });

  describe('unpacks like Python (raw=False, use_list=False, strict_map_key=False)', () => {
    it('ints beyond 2^53 become bigint, integral floats PyFloat', () => {
      assert.equal(decode(unhex('cf0020000000000001')), 2n ** 53n + 1n);
      assert.equal(decode(unhex('cf001fffffffffffff')), 2 ** 53 - 1);
      const f = decode(unhex('cb3ff0000000000000'));
      assert.ok(f instanceof PyFloat && f.value === 1);
      assert.equal(pyType(f), 'float');
      assert.equal(decode(unhex('ca3f000000')), 0.5);
    });
    it('dicts: plain objects, or Map when a key is not a plain string', () => {
      assert.deepEqual(decode(unhex('81a16101')), { a: 1 });
      const m = decode(unhex('82a16101a13102'));
      assert.ok(m instanceof Map && [...m.keys()].join() === 'a,1', 'array-index-like key keeps its place');
      // {1: 'x', True: 'y'} collapses like a Python dict: first key, last value.
      const c = decode(unhex('8201a178c3a179'));
      assert.ok(c instanceof Map && c.size === 1 && c.get(1) === 'y');
      assert.throws(() => decode(unhex('8181a16101c0')), DecodeError, 'dict as key is unhashable');
    });
    it('ext 3 is a Path, ext 2 a big int, ext -1 a Timestamp', () => {
      const p = decode(unhex('c70d03a464656d6fa763617074757265'));
      assert.ok(p instanceof Path && p.equals(Path.of('demo', 'capture')));
      assert.equal(decode(unhex('c70902010000000000000000')), 2n ** 64n);
      assert.ok(decode(unhex('d6ff00000001')) instanceof Timestamp);
    });
    const garbage: [string, string][] = [
      ['reserved byte', 'c1'],
      ['truncated str', 'a3616263'.slice(0, 6)],
      ['truncated map', '82a16101'],
      ['trailing bytes', '0101'],
      ['bad UTF-8', 'a1ff'],
      ['surrogate UTF-8', 'a3eda080'],
      ['truncated path element', 'c70203a3'],
      ['dict inside a path', 'c7030381a1'],
      ['bad timestamp length', 'd5ff0000'],
      ['negative ext type', 'd4fe00'],
      ['huge array count', 'dd7fffffff'],
    ];
    for (const [name, h] of garbage) it(`rejects ${name} with DecodeError`, () => assert.throws(() => decode(unhex(h)), DecodeError));
    it('limits nesting to Python’s 1024 levels', () => {
      assert.throws(() => decode(new Uint8Array(1100).fill(0x91)), DecodeError);
    });
  });

  describe('properties', () => {
    it('round-trips every value: decode(encode(v)) == v and re-encodes byte-identically', () => {
      fc.assert(
        fc.property(valueArb, (v) => {
          const bytes = encode(v);
          const back = decode(bytes);
          assert.ok(pyEquals(back, v) || containsNaN(v), 'decoded value differs');
          assert.equal(hex(encode(back)), hex(bytes));
        }),
        { numRuns: RUNS },
      );
    });
    it('random bytes and mutated encodings throw nothing but DecodeError', () => {
      const mutated = fc.tuple(valueArb, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([v, i, x]) => {
        const b = encode(v);
        if (b.length > 0) b[i % b.length] = x;
        return b.slice(0, b.length - (i % 3));
      });
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), mutated), (bytes) => {
          try {
            decode(bytes);
          } catch (e) {
            assert.ok(e instanceof DecodeError, String(e));
          }
        }),
        { numRuns: RUNS * 2 },
      );
    });
  });

  describe('stream decoder', () => {
    it('yields the same values however the stream is chunked', () => {
      fc.assert(
        fc.property(fc.array(valueArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (vs, cuts) => {
          const all = Buffer.concat(vs.map((v) => encode(v)));
          const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          const d = new MsgStreamDecoder();
          const got: Value[] = [];
          let prev = 0;
          for (const p of [...points, all.length]) {
            got.push(...d.push(all.subarray(prev, p)));
            prev = p;
          }
          d.finish();
          assert.equal(got.length, vs.length);
          assert.equal(hex(Buffer.concat(got.map((v) => encode(v)))), hex(all));
        }),
        { numRuns: RUNS },
      );
    });
    it('reports garbage with its absolute offset and stays poisoned', () => {
      const d = new MsgStreamDecoder({ what: 'client stream' });
      assert.deepEqual(d.push(unhex('81a16101')), [{ a: 1 }]);
      assert.deepEqual(d.push(unhex('81a1')), []);
      let err: unknown;
      try {
        d.push(unhex('62c1'));
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof DecodeError);
      assert.equal(err.offset, 7);
      assert.throws(() => d.push(unhex('01')), DecodeError);
    });
    it('reports a truncated last value at finish()', () => {
      const d = new MsgStreamDecoder();
      d.push(unhex('0182a161'));
      assert.throws(() => d.finish(), (e: unknown) => e instanceof DecodeError && e.offset === 1);
    });
    it('refuses values over maxMessageBytes, even before they are complete', () => {
      const d = new MsgStreamDecoder({ maxMessageBytes: 100 });
      assert.throws(() => d.push(unhex('c6000f4240')), DecodeError, 'announced 1 MB bin');
      const e = new MsgStreamDecoder({ maxMessageBytes: 100 });
      e.push(unhex('dc0002c450' + '00'.repeat(80)));
      assert.throws(() => e.push(unhex('c450' + '00'.repeat(20))), DecodeError, 'a big array growing chunk by chunk');
    });
    it('decodes a large value fed byte by byte in linear time', () => {
      const big = encode(Array.from({ length: 20000 }, (_, i) => [i, 'x']));
      const d = new MsgStreamDecoder();
      let n = 0;
      for (let i = 0; i < big.length; i += 7) n += d.push(big.subarray(i, i + 7)).length;
      assert.equal(n, 1);
    });
    it('decodeAll gives offsets', () => {
      const recs = decodeAll(unhex('01a16102'));
      assert.deepEqual(
        recs.map((r) => [r.value, r.offset, r.end]),
        [
          [1, 0, 1],
          ['a', 1, 3],
          [2, 3, 4],
        ],
      );
    });
  });

  it('pyEquals follows Python ==', () => {
    assert.ok(pyEquals(1, new PyFloat(1)));
    assert.ok(pyEquals(true, 1));
    assert.ok(pyEquals(2n ** 60n, 2 ** 60));
    assert.ok(!pyEquals('1', 1));
    assert.ok(pyEquals({ a: 1, b: [1, 2] }, new Map<Value, Value>([['b', [1, 2]], ['a', new PyFloat(1)]])));
    assert.ok(pyEquals(Path.of('a', 1), ['a', 1]));
    assert.ok(!pyEquals(NaN, NaN));
    assert.ok(!pyEquals(null, 0));
  });
});

function containsNaN(v: Value): boolean {
  if (typeof v === 'number') return Number.isNaN(v);
  if (Array.isArray(v)) return v.some(containsNaN);
  if (v instanceof Path) return v.elements.some((e) => containsNaN(e as Value));
  if (v instanceof Map) return [...v].some(([k, x]) => containsNaN(k) || containsNaN(x));
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof PyFloat) && !(v instanceof Ext) && !(v instanceof Timestamp))
    return Object.values(v).some(containsNaN);
  return false;
}

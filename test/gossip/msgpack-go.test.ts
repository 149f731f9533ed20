import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../gossip/decode-error.js';
import {
  asBool,
  asBytesOrNull,
  asInt,
  asString,
  asStruct,
  asUint,
  decode,
  encode,
  GoExt,
  GoFloat,
  GoMap,
  goStruct,
  goTimeFromBytes,
  goTimeToBytes,
  tryDecode,
  type GoValue,
} from '../../gossip/msgpack-go.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

describe('msgpack-go (go-msgpack 0.5.5 MsgpackHandle)', () => {
  it('writes non-negative ints as the smallest unsigned form, like Go', () => {
    const cases: [number | bigint, string][] = [
      [0, '00'],
      [127, '7f'],
      [128, 'cc80'],
      [255, 'ccff'],
      [256, 'cd0100'],
      [65535, 'cdffff'],
      [65536, 'ce00010000'],
      [4294967295, 'ceffffffff'],
      [4294967296, 'cf0000000100000000'],
      [2n ** 64n - 1n, 'cfffffffffffffffff'],
    ];
    for (const [v, h] of cases) assert.equal(hex(encode(v)), h, String(v));
  });

  it('writes negative ints as negfixint / int8..int64', () => {
    const cases: [number | bigint, string][] = [
      [-1, 'ff'],
      [-32, 'e0'],
      [-33, 'd0df'],
      [-128, 'd080'],
      [-129, 'd1ff7f'],
      [-32768, 'd18000'],
      [-32769, 'd2ffff7fff'],
      [-(2 ** 31), 'd280000000'],
      [-(2 ** 31) - 1, 'd3ffffffff7fffffff'],
      [-(2n ** 63n), 'd38000000000000000'],
    ];
    for (const [v, h] of cases) assert.equal(hex(encode(v)), h, String(v));
  });

  it('writes strings and bytes as old-spec raw (no str8, no bin) by default', () => {
    assert.equal(hex(encode('')), 'a0');
    assert.equal(hex(encode('abc')), 'a3616263');
    assert.equal(hex(encode('x'.repeat(31))).slice(0, 2), 'bf');
    assert.equal(hex(encode('x'.repeat(32))).slice(0, 6), 'da0020');
    assert.equal(hex(encode('x'.repeat(255))).slice(0, 6), 'da00ff');
    assert.equal(hex(encode(new Uint8Array([1, 2]))), 'a20102');
    assert.equal(hex(encode(new Uint8Array(300))).slice(0, 6), 'da012c');
    assert.equal(hex(encode(new Uint8Array(70000))).slice(0, 10), 'db00011170');
  });

  it('with writeExt (Serf RPC handle) uses str8 and bin', () => {
    assert.equal(hex(encode('x'.repeat(32), { writeExt: true })).slice(0, 4), 'd920');
    assert.equal(hex(encode('ab', { writeExt: true })), 'a26162');
    assert.equal(hex(encode(new Uint8Array([1]), { writeExt: true })), 'c40101');
    assert.equal(hex(encode(new Uint8Array(300), { writeExt: true })).slice(0, 6), 'c5012c');
  });

  it('floats stay floats when asked, even integral ones', () => {
    assert.equal(hex(encode(new GoFloat(2))), 'cb4000000000000000');
    assert.equal(hex(encode(new GoFloat(1.5, 32))), 'ca3fc00000');
    assert.equal(hex(encode(0.5)), 'cb3fe0000000000000');
    assert.equal(hex(encode(2)), '02');
  });

  it('structs: keys sorted by byte order, undefined (omitempty) left out', () => {
    const m = goStruct({ SeqNo: 1, Node: 'n', SourceAddr: undefined, Zeta: null, Alpha: true });
    assert.deepEqual(
      m.entries.map(([k]) => k),
      ['Alpha', 'Node', 'SeqNo', 'Zeta'],
    );
    assert.equal(hex(encode(m)), '84a5416c706861c3a44e6f6465a16ea55365714e6f01a45a657461c0');
  });

  it('plain objects keep insertion order; GoMap keeps any keys', () => {
    assert.equal(hex(encode({ b: 1, a: 2 })), '82a16201a16102');
    assert.equal(hex(encode(new GoMap([[1, 'x']]))), '8101a178');
    assert.equal(hex(encode([null, false, true])), '93c0c2c3');
  });

  it('decodes every form back, raws as bytes', () => {
    const v = decode(unhex('85a3616263cd0100a162d0dfa163cb3ff8000000000000a164c40201ffa165d90161'));
    assert.ok(v instanceof GoMap);
    const f = asStruct(v, 't');
    assert.equal(asUint(f.get('abc'), 16, 'abc'), 256);
    assert.equal(asInt(f.get('b'), 8, 'b'), -33);
    assert.equal((f.get('c') as GoFloat).value, 1.5);
    assert.deepEqual(asBytesOrNull(f.get('d'), 'd'), new Uint8Array([1, 0xff]));
    assert.equal(asString(f.get('e'), 'e'), 'a');
  });

  it('keysAsStrings: ASCII fixraw map keys come back as strings, same bytes on re-encode', () => {
    const b = encode(goStruct({ Node: 'x', 'Sé': 1, [String.fromCharCode(0x41).repeat(40)]: 2 }));
    const v = decode(b, { keysAsStrings: true }) as GoMap;
    assert.deepEqual(
      v.entries.map(([k]) => typeof k),
      // sorted: the 40-byte key (raw16: stays bytes), Node (fixraw ASCII: string), Sé (not ASCII: bytes)
      ['object', 'string', 'object'],
    );
    assert.deepEqual(encode(v), b);
    assert.equal(asStruct(v, 't').get('Node') instanceof Uint8Array, true);
  });

  it('ints outside 2^53 decode as bigint; ext values are kept', () => {
    assert.equal(decode(unhex('cfffffffffffffffff')), 2n ** 64n - 1n);
    assert.equal(decode(unhex('d38000000000000000')), -(2n ** 63n));
    const e = decode(unhex('d40107'));
    assert.ok(e instanceof GoExt && e.tag === 1 && e.data[0] === 7);
  });

  it('bool accepts 0/1 like Go; nil reads as zero values', () => {
    assert.equal(asBool(0, 'x'), false);
    assert.equal(asBool(1, 'x'), true);
    assert.equal(asUint(null, 32, 'x'), 0);
    assert.equal(asString(null, 'x'), '');
    assert.equal(asBytesOrNull(null, 'x'), null);
    assert.throws(() => asUint(-1, 32, 'x'), DecodeError);
    assert.throws(() => asUint(65536, 16, 'x'), DecodeError);
    assert.throws(() => asBool(2, 'x'), DecodeError);
  });

  it('tryDecode returns null on truncation, decode throws DecodeError', () => {
    const full = encode({ a: 'hello', b: [1, 2, 3] });
    for (let n = 0; n < full.length; n++) {
      assert.equal(tryDecode(full.subarray(0, n)), null, `prefix ${n}`);
      assert.throws(() => decode(full.subarray(0, n)), DecodeError);
    }
    assert.throws(() => decode(unhex('c1')), DecodeError);
    assert.throws(() => decode(unhex('0000')), DecodeError);
    // a forged huge length does not allocate: it is a truncation
    assert.equal(tryDecode(unhex('dbffffffff')), null);
    assert.equal(tryDecode(unhex('ddffffffff')), null);
  });

  it('refuses pathological nesting with DecodeError', () => {
    assert.throws(() => decode(new Uint8Array(1000).fill(0x91)), DecodeError);
  });

  it('time.Time round-trips through the MarshalBinary layout', () => {
    const t = { unixSeconds: 1700000000n, nanos: 123, offsetMinutes: null };
    const b = goTimeToBytes(t);
    assert.equal(hex(b), '01' + (1700000000n + 62135596800n).toString(16).padStart(16, '0') + '0000007b' + 'ffff');
    assert.deepEqual(goTimeFromBytes(b), t);
    assert.throws(() => goTimeFromBytes(new Uint8Array([2, 0])), DecodeError);
  });

  const goValue: fc.Arbitrary<GoValue> = fc.letrec<{ v: GoValue }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).filter((b) => b < -(2n ** 53n) || b > 2n ** 53n),
      fc.double({ noNaN: true }).map((d) => new GoFloat(d)),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(tie('v'), { maxLength: 5 }),
      fc.array(fc.tuple(tie('v'), tie('v')), { maxLength: 4 }).map((e) => new GoMap(e)),
    ),
  })).v;

  it('property: decode(encode(v)) re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(goValue, fc.boolean(), (v, writeExt) => {
        const b = encode(v, { writeExt });
        assert.deepEqual(encode(decode(b), { writeExt }), b);
      }),
      { numRuns: 300 },
    );
  });

  it('property: random bytes only ever throw DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decode(b);
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

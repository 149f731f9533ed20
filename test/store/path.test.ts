import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../gossip/decode-error.js';
import { PyFloat, encode } from '../../store/codec.js';
import { Path, compareElements, elementKey, elementsEqual, type PathElement } from '../../store/path.js';
import { element, hex, pathArb } from './codec-arbitraries.js';

const RUNS = Number(process.env.FC_RUNS ?? 500);
const b = (s: string) => new TextEncoder().encode(s);

/** Paths whose text form Python itself cannot read back (see path-text.ts): excluded from round-trips. */
function textRoundTrips(p: Path): boolean {
  const bad = (el: PathElement, top: boolean): boolean => {
    if (typeof el === 'number' && !Number.isFinite(el)) return true;
    if (Array.isArray(el) || el instanceof Path) {
      const items = el instanceof Path ? el.elements : (el as readonly PathElement[]);
      if (top && items.length === 1) return true; // printed as its only element
      // A tuple whose repr starts with b'..' reads as a :b binary-int marker.
      if (top && items.length > 0 && items[0] instanceof Uint8Array) return true;
      return items.some((x) => bad(x, false));
    }
    return false;
  };
  return !p.elements.some((el) => bad(el, true));
}

describe('store/path', () => {
  describe('text form (reference §1.1)', () => {
    const cases: [string, PathElement[]][] = [
      [':', []],
      ['a', ['a']],
      ['a.b.c', ['a', 'b', 'c']],
      [':n.auth', [null, 'auth']],
      [':.distkv.config', ['.distkv', 'config']],
      ['foo:.bar', ['foo.bar']],
      ['a::b', ['a:b']],
      ['a:_b', ['a b']],
      [':t', [true]],
      [':f:n', [false, null]],
      ['a:e', ['a', '']],
      [':e.a', ['', 'a']],
      [':x1F', [31]],
      [':b101', [5]],
      [':x1_F', [31]],
      [':vabc', [b('abc')]],
      [':vab:.c', [b('ab.c')]],
      [':v', [new Uint8Array(0)]],
      [':y00ff', [Uint8Array.from([0, 255])]],
      [':1:2', [1, 2]],
      [':-5.a', [-5, 'a']],
      [':1:.5', [1.5]],
      [':1:.0', [new PyFloat(1)]],
      [":'a','b'", [['a', 'b']]],
      [':(1,:_2),3', [[[1, 2], 3]]],
      [':()', [[]]],
      [':t.a', [true, 'a']],
      [':t::', [true, ':']],
      ['a.:x1f', ['a', 31]],
      ['::a', [':a']],
      [':True', [true]],
      [':None', [null]],
      // simpleeval arithmetic, with Python's semantics
      [':1+2', [3]],
      [':2**10', [1024]],
      [':-2**2', [-4]],
      [':-7//2', [-4]],
      [':7%-3', [-2]],
      [':1/4', [0.25]],
      [':2**-1', [0.5]],
      [':2**64', [2n ** 64n]],
      [":'ab'*2", ['abab']],
      [':1<2<3', [true]],
      [':0:_or:_5', [5]],
      [':1:_if:_0:_else:_2', [2]],
      [':1\n2', [1]],
    ];
    for (const [text, els] of cases) {
      it(`parses ${JSON.stringify(text)}`, () => {
        const p = Path.parse(text);
        assert.equal(hex(encode(p)), hex(encode(Path.from(els))));
      });
    }
    const printed: [PathElement[], string][] = [
      [[], ':'],
      [['a', 'b'], 'a.b'],
      [[null, 'auth'], ':n.auth'],
      [['.distkv', 'config'], ':.distkv.config'],
      [['a b', 'c:d'], 'a:_b.c::d'],
      [[1, 'a', 2], ':1.a:2'],
      [[1.5], ':1:.5'],
      [[new PyFloat(-0)], ':-0:.0'],
      [[1e16 + 2], ':1:.0000000000000002e+16'],
      [[0.00001], ':1e-05'],
      [[[1]], ':1'],
      [[['a', 1]], ":'a',1"],
      [[[[1, 2], 3]], ':(1,:_2),3'],
      [[b('x y')], ':vx:_y'],
      [[Uint8Array.from([1])], ':y01'],
      [[2n ** 70n], ':1180591620717411303424'],
      [[NaN], ':nan'],
      // Python 3.11 (Unicode 14) escapes characters assigned later (U+31374, CJK Ext. H).
      [[['\u{31374}é', 1]], ":'\\U00031374é',1"],
    ];
    for (const [els, text] of printed) {
      it(`prints ${JSON.stringify(text)}`, () => assert.equal(Path.from(els).toString(), text));
    }
    for (const bad of ['', '.a', 'a..b', 'a.', 'a:', ':ta', 'a.:1', 'a.:t', ':x', ':xzz', ':1a', ':foo', ':1/0', ':1+', ':yz', ':1\n:_2', ':~1', ':4000001**2']) {
      it(`refuses ${JSON.stringify(bad)} with DecodeError`, () => {
        assert.throws(() => Path.parse(bad), DecodeError);
      });
    }
    it('round-trips text for every path Python can read back', () => {
      fc.assert(
        fc.property(pathArb.filter(textRoundTrips), (p) => {
          const q = Path.parse(p.toString());
          assert.equal(hex(encode(q)), hex(encode(p)), p.toString());
        }),
        { numRuns: RUNS },
      );
    });
    it('never throws anything but DecodeError on arbitrary text', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 12 }), (s) => {
          try {
            Path.parse(s);
          } catch (e) {
            assert.ok(e instanceof DecodeError, String(e));
          }
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe('equality, keys and order', () => {
    it('follows Python dict semantics: 1 == 1.0 == True, "1" != 1, b"a" != "a"', () => {
      assert.equal(elementKey(1), elementKey(new PyFloat(1)));
      assert.equal(elementKey(1), elementKey(true));
      assert.equal(elementKey(0), elementKey(false));
      assert.equal(elementKey(0), elementKey(new PyFloat(-0)));
      assert.equal(elementKey(2 ** 60), elementKey(2n ** 60n));
      assert.notEqual(elementKey('1'), elementKey(1));
      assert.notEqual(elementKey(b('a')), elementKey('a'));
      assert.equal(elementKey([1, 'a']), elementKey([true, 'a']));
      assert.equal(elementKey(Path.of(1, 2)), elementKey([1, 2]));
      assert.notEqual(elementKey('\uDFFFx'), elementKey(b('x')));
      assert.ok(Path.of('a', 1).equals(Path.of('a', new PyFloat(1))));
    });
    it('compareElements is a total order consistent with elementKey', () => {
      fc.assert(
        fc.property(element, element, element, (x, y, z) => {
          const xy = compareElements(x, y);
          assert.equal(xy, -compareElements(y, x) || 0);
          assert.equal(xy === 0, elementKey(x) === elementKey(y));
          assert.equal(xy === 0, elementsEqual(x, y));
          if (xy <= 0 && compareElements(y, z) <= 0) assert.ok(compareElements(x, z) <= 0);
        }),
        { numRuns: RUNS },
      );
    });
    it('orders null < numbers < strings < bytes < tuples, strings by code point', () => {
      const sorted = [null, -1, false, 0.5, true, 2n ** 70n, NaN, '', 'a', '\uffff', '😀', b(''), b('a'), [], [1]];
      const shuffled = [...sorted].reverse();
      shuffled.sort(compareElements);
      assert.deepEqual(shuffled, sorted);
    });
    it('Path ops: concat, slice, startsWith, isMeta, key', () => {
      const p = Path.parse('a.b:1');
      assert.ok(p.concat(Path.of('c')).equals(Path.of('a', 'b', 1, 'c')));
      assert.ok(p.slice(1).equals(Path.of('b', 1)));
      assert.ok(p.startsWith(Path.of('a', 'b')));
      assert.ok(!p.startsWith(Path.of('a', 'c')));
      assert.ok(Path.parse(':n.auth').isMeta);
      assert.ok(!p.isMeta);
      assert.equal(p.key(), Path.of('a', 'b', true).key());
      assert.notEqual(Path.of('ab').key(), Path.of('a', 'b').key());
      assert.throws(() => Path.from([{}]), TypeError);
    });
  });
});

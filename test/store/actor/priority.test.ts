import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { PyFloat } from '../../../store/codec-value.js';
import type { ActorValue } from '../../../store/actor/messages.js';
import { compareNames, compareValues, hasPriority } from '../../../store/actor/priority.js';

describe('store/actor/priority', () => {
  it('a null value loses against any value, whatever the names', () => {
    assert.equal(hasPriority('a', null, 'z', [0, 0]), false);
    assert.equal(hasPriority('z', [0, 0], 'a', null), true);
  });

  it('higher [tock, tick] wins, lexicographically', () => {
    assert.equal(hasPriority('b', [5, 1], 'a', [4, 9]), true);
    assert.equal(hasPriority('a', [4, 9], 'b', [5, 1]), false);
    assert.equal(hasPriority('b', [5, 2], 'a', [5, 1]), true);
    assert.equal(hasPriority('b', [5, 1, 0], 'a', [5, 1]), true); // longer tuple is greater
  });

  it('equal values (or both null): the alphabetically lower name wins', () => {
    assert.equal(hasPriority('test1', [59, 4], 'test2', [59, 4]), true);
    assert.equal(hasPriority('test2', [59, 4], 'test1', [59, 4]), false);
    assert.equal(hasPriority('a', null, 'b', null), true);
    assert.equal(hasPriority('B', null, 'a', null), true); // code point order: 'B' < 'a'
  });

  it('names compare by code point like Python str, not by UTF-16 unit', () => {
    // U+FF61 is one unit above the surrogates; U+1F600 is a surrogate pair (0xD83D ...).
    assert.equal(compareNames('\uff61', '\u{1f600}'), -1);
    assert.ok('\uff61' > '\u{1f600}'); // what plain JS would say
    assert.equal(compareNames('ab', 'abc'), -1);
    assert.equal(compareNames('abc', 'abc'), 0);
  });

  it('store/codec\'s boxed integral floats (PyFloat) compare as numbers', () => {
    assert.equal(compareValues(new PyFloat(2), 2), 0);
    assert.equal(hasPriority('b', [new PyFloat(3), 1], 'a', [2, 5]), true);
    assert.equal(hasPriority('b', [new PyFloat(2), 1], 'a', [2, 5]), false);
  });

  it('numbers, bigints and booleans compare numerically', () => {
    assert.equal(compareValues(3, 3n), 0);
    assert.equal(compareValues(2 ** 60, 2n ** 60n + 1n), -1);
    assert.equal(compareValues(true, 1), 0);
    assert.equal(compareValues([1, 2], [1, 2]), 0);
  });

  const value: fc.Arbitrary<ActorValue> = fc.oneof(
    fc.constant(null),
    fc.tuple(fc.nat(20), fc.nat(20)),
    fc.integer({ min: -5, max: 5 }),
    fc.string({ maxLength: 3 }),
  );

  it('is antisymmetric: exactly one of two distinct nodes has priority', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), value, value, (a, b, va, vb) => {
        fc.pre(a !== b);
        assert.notEqual(hasPriority(a, va, b, vb), hasPriority(b, vb, a, va));
      }),
    );
  });

  it('compareValues is a total order (antisymmetric and transitive)', () => {
    fc.assert(
      fc.property(value, value, value, (x, y, z) => {
        assert.equal(Math.sign(compareValues(x, y)) + Math.sign(compareValues(y, x)), 0);
        if (compareValues(x, y) <= 0 && compareValues(y, z) <= 0) assert.ok(compareValues(x, z) <= 0);
      }),
    );
  });
});

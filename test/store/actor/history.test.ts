import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { History, sameNames } from '../../../store/actor/history.js';

describe('store/actor/history', () => {
  it('follows NodeList\'s documented sequence (nodelist.py doctest)', () => {
    const h = new History(3);
    const steps: [string, string[]][] = [
      ['a', ['a']],
      ['a', ['a']],
      ['b', ['b', 'a']],
      ['a', ['a', 'b']],
      ['c', ['c', 'a', 'b']],
      ['d', ['d', 'c', 'a']],
      ['c', ['c', 'd']], // moved from the middle: one extra dropped from the tail
    ];
    for (const [name, want] of steps) {
      h.add(name);
      assert.deepEqual(h.toArray(), want, `after adding ${name}`);
    }
  });

  it('a sender re-pinging with a 2-entry history drops the stale tail (capture +93.4 s)', () => {
    // test2's history [test2, test1] became [test2] when test2 pinged again after test1 died.
    const h = new History(5, ['test2', 'test1']);
    h.add('test2');
    assert.deepEqual(h.toArray(), ['test2']);
  });

  it('moving the tail entry drops nothing extra', () => {
    const h = new History(5, ['a', 'b', 'c']);
    h.add('c');
    assert.deepEqual(h.toArray(), ['c', 'a', 'b']);
  });

  it('unbounded (maxlen 0 or -1) never drops', () => {
    for (const maxlen of [0, -1]) {
      const h = new History(maxlen);
      for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) h.add(n);
      h.add('d');
      assert.deepEqual(h.toArray(), ['d', 'g', 'f', 'e', 'c', 'b', 'a']);
    }
  });

  it('the constructor keeps the given names untrimmed (as NodeList(maxlen, data))', () => {
    assert.deepEqual(new History(2, ['a', 'b', 'c', 'd']).toArray(), ['a', 'b', 'c', 'd']);
  });

  it('stays unique, bounded, and puts the added name first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')), (maxlen, adds) => {
        const h = new History(maxlen);
        for (const n of adds) {
          const before = h.length;
          h.add(n);
          assert.equal(h.first, n);
          assert.ok(h.length <= maxlen);
          assert.ok(h.length <= before + 1);
          assert.equal(new Set(h.toArray()).size, h.length);
        }
      }),
    );
  });

  it('sameNames compares like Python list equality', () => {
    assert.ok(sameNames([], []));
    assert.ok(sameNames(['a'], ['a']));
    assert.ok(!sameNames(['a'], []));
    assert.ok(!sameNames(['a'], ['b']));
  });
});

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../gossip/decode-error.js';
import {
  type ChainNode,
  attach,
  chainEquals,
  chainFromWire,
  chainGt,
  chainLt,
  chainOf,
  chainToWire,
  withoutNode,
} from '../../store/chain.js';

const nodes = new Map<string, ChainNode>();
const N = (name: string): ChainNode => {
  let n = nodes.get(name);
  if (!n) nodes.set(name, (n = { name }));
  return n;
};
const C = (...links: [string, number][]) => chainOf(links.map(([n, t]) => [N(n), t] as const))!;

describe('store/chain', () => {
  it('wire form: nested {node, tick, prev}; prev null = ends, absent = cut', () => {
    const c = C(['a', 3], ['b', 1], ['c', 7]);
    assert.deepEqual(chainToWire(c), { node: 'a', tick: 3, prev: { node: 'b', tick: 1, prev: { node: 'c', tick: 7, prev: null } } });
    assert.deepEqual(chainToWire(c, 1), { node: 'a', tick: 3 });
    assert.deepEqual(chainToWire(c, 2), { node: 'a', tick: 3, prev: { node: 'b', tick: 1 } });
    assert.deepEqual(chainToWire(c, 3), chainToWire(c, -1));
    assert.deepEqual(Object.keys(chainToWire(c)), ['node', 'tick', 'prev']);
    assert.throws(() => chainToWire(c, 0), RangeError);
  });

  it('round-trips; a map without node is no chain; both map kinds decode', () => {
    const c = C(['a', 3], ['b', 1]);
    assert.deepEqual(chainFromWire(chainToWire(c), N), c);
    assert.equal(chainFromWire({}, N), null);
    assert.equal(chainFromWire(null, N), null);
    assert.deepEqual(chainFromWire(new Map<unknown, unknown>([['node', 'a'], ['tick', 3n]]), N), C(['a', 3]));
  });

  it('rejects garbage with DecodeError only', () => {
    for (const bad of [5, 'x', [], { node: 1, tick: 1 }, { node: 'a' }, { node: 'a', tick: -1 }, { node: 'a', tick: 1.5 }, { node: 'a', tick: 1, prev: 'x' }, { node: 'a', tick: 1, prev: { node: 'a', tick: 0 } }, { tick: 3 }])
      assert.throws(() => chainFromWire(bad, N), DecodeError, JSON.stringify(bad));
    fc.assert(
      fc.property(fc.anything(), (x) => {
        try {
          chainFromWire(x, N);
        } catch (e) {
          assert.ok(e instanceof DecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('comparisons as python NodeEvent: == by head, > contains newer, < based on', () => {
    const a1 = C(['a', 1]);
    const b1a1 = C(['b', 1], ['a', 1]);
    const a2b1 = C(['a', 2], ['b', 1]);
    assert.ok(chainEquals(C(['a', 1], ['x', 9]), a1)); // head only
    assert.ok(!chainEquals(a1, null));
    assert.ok(chainGt(a2b1, a1)); // a2 contains a newer a
    assert.ok(chainLt(a1, a2b1));
    assert.ok(!chainGt(b1a1, a1)); // same tick: python's > says no
    assert.ok(!chainLt(a1, b1a1)); // ...and < too: python treats these as concurrent
    assert.ok(chainGt(a1, null) && !chainGt(null, a1));
    assert.ok(chainLt(null, a1) && !chainLt(a1, null));
    assert.ok(!chainGt(C(['c', 5]), a1) && !chainLt(C(['c', 5]), a1));
  });

  it('attach drops the node\'s old link; withoutNode cuts one link', () => {
    const [c, dropped] = attach(N('a'), 5, C(['b', 2], ['a', 3], ['c', 1]));
    assert.deepEqual(c, C(['a', 5], ['b', 2], ['c', 1]));
    assert.equal(dropped, 3);
    assert.deepEqual(attach(N('a'), 1, null), [C(['a', 1]), undefined]);
    assert.deepEqual(withoutNode(c, N('b')), C(['a', 5], ['c', 1]));
    assert.equal(withoutNode(C(['b', 1]), N('b')), null);
    assert.equal(withoutNode(c, N('zz')), c);
  });
});

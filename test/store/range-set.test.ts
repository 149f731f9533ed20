import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../gossip/decode-error.js';
import { RangeSet } from '../../store/range-set.js';

const RUNS = { numRuns: 500 };

type Op = { kind: 'add' | 'remove'; a: number; n: number };
const op = fc.record({ kind: fc.constantFrom('add' as const, 'remove' as const), a: fc.integer({ min: 0, max: 60 }), n: fc.integer({ min: 0, max: 8 }) });

function build(ops: Op[]): [RangeSet, Set<number>] {
  const r = new RangeSet();
  const s = new Set<number>();
  for (const o of ops) {
    if (o.kind === 'add') {
      r.add(o.a, o.a + o.n);
      for (let t = o.a; t < o.a + o.n; t++) s.add(t);
    } else {
      r.remove(o.a, o.a + o.n);
      for (let t = o.a; t < o.a + o.n; t++) s.delete(t);
    }
  }
  return [r, s];
}

function sorted(s: Set<number>): number[] {
  return [...s].sort((x, y) => x - y);
}

function assertNormal(r: RangeSet): void {
  let prevEnd = -Infinity;
  for (const [a, b] of r) {
    assert.ok(a < b, `empty range [${a},${b})`);
    assert.ok(a > prevEnd, `ranges touch or overlap at ${a}`);
    prevEnd = b;
  }
}

describe('store/range-set', () => {
  it('add/remove agree with a plain set and stay normalised', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const [r, s] = build(ops);
        assertNormal(r);
        assert.deepEqual([...r.ticks()], sorted(s));
        assert.equal(r.count(), s.size);
        for (let t = -1; t < 72; t++) assert.equal(r.has(t), s.has(t));
      }),
      RUNS,
    );
  });

  it('union, difference and intersection agree with plain sets', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), fc.array(op, { maxLength: 25 }), (o1, o2) => {
        const [a, sa] = build(o1);
        const [b, sb] = build(o2);
        const u = a.union(b);
        const d = a.difference(b);
        const i = a.intersection(b);
        for (const x of [u, d, i]) assertNormal(x);
        assert.deepEqual([...u.ticks()], sorted(new Set([...sa, ...sb])));
        assert.deepEqual([...d.ticks()], sorted(new Set([...sa].filter((t) => !sb.has(t)))));
        assert.deepEqual([...i.ticks()], sorted(new Set([...sa].filter((t) => sb.has(t)))));
        // in-place forms give the same
        assert.ok(a.copy().addSet(b).equals(u));
        assert.ok(a.copy().removeSet(b).equals(d));
        assert.ok(a.copy().keepSet(b).equals(i));
      }),
      RUNS,
    );
  });

  it('wire form is python __getstate__: singletons as ints, ranges as pairs', () => {
    const r = new RangeSet([2, [4, 7]]);
    assert.deepEqual(r.toWire(), [2, [4, 7]]);
    assert.deepEqual(RangeSet.of(1, 3).toWire(), [1, 3]);
    assert.deepEqual(new RangeSet([[1, 5]]).toWire(), [[1, 5]]);
    assert.deepEqual(new RangeSet().toWire(), []);
  });

  it('wire round-trips and decoding normalises sloppy input', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const [r] = build(ops);
        assert.ok(RangeSet.fromWire(r.toWire()).equals(r));
      }),
      RUNS,
    );
    // python would keep these as given; we merge them
    assert.deepEqual(RangeSet.fromWire([[3, 5], 1, [2, 4], 5]).toWire(), [[1, 6]]);
    assert.deepEqual(RangeSet.fromWire([7n, [1n, 2n]]).toWire(), [1, 7]);
  });

  it('decoding rejects garbage with DecodeError only', () => {
    for (const bad of [null, 5, 'x', [[1]], [[1, 2, 3]], [[5, 3]], ['a'], [1.5], [[1, 'x']], {}])
      assert.throws(() => RangeSet.fromWire(bad), DecodeError, JSON.stringify(bad));
    fc.assert(
      fc.property(fc.anything(), (x) => {
        try {
          RangeSet.fromWire(x);
        } catch (e) {
          assert.ok(e instanceof DecodeError);
        }
      }),
      RUNS,
    );
  });

  it('stays compact under a million sequential ticks', () => {
    const r = new RangeSet();
    for (let t = 1; t <= 1_000_000; t++) if (t % 100_000 !== 0) r.add(t);
    assert.equal(r.rangeCount, 10);
    assert.equal(r.count(), 999_990);
    assert.equal(r.max(), 999_999);
  });
});

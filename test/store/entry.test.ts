import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Entry, entryToWire, walk } from '../../store/entry.js';
import { type PathElement, compareElements } from '../../store/path.js';

const element: fc.Arbitrary<PathElement> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constant(null),
  fc.boolean(),
  fc.uint8Array({ maxLength: 4 }),
);

describe('store/entry', () => {
  it('children come out in compareElements order, also for big cached fan-outs', () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 40 }), fc.integer({ min: 0, max: 300 }), (els, extra) => {
        const root = new Entry(null, null, 0);
        for (const el of els) root.childOrCreate(el);
        for (let i = 0; i < extra; i++) root.childOrCreate(`k${i}`);
        const keys = root.sortedChildren().map((e) => e.key);
        const want = [...keys].sort(compareElements);
        assert.deepEqual(keys, want);
        // the cache follows additions and removals
        root.childOrCreate('zzz-new');
        root.removeChild(root.sortedChildren()[0]!);
        const again = root.sortedChildren().map((e) => e.key);
        assert.deepEqual(again, [...again].sort(compareElements));
        assert.equal(again.length, root.childCount);
      }),
      { numRuns: 500 },
    );
  });

  it('walk: pre-order, depth limits, null keys only with full and only at the first level', () => {
    const root = new Entry(null, null, 0);
    const a = root.childOrCreate('a');
    a.childOrCreate('b').childOrCreate(null);
    root.childOrCreate(null).childOrCreate('auth');
    const names = (o: object) => [...walk(root, o)].map(([e, d]) => `${e.path.toString()}@${d}`);
    assert.deepEqual(names({}), [':@0', 'a@1', 'a.b@2']);
    assert.deepEqual(names({ full: true }), [':@0', ':n@1', ':n.auth@2', 'a@1', 'a.b@2']);
    assert.deepEqual(names({ minDepth: 1, maxDepth: 1 }), ['a@1']);
  });

  it('entryToWire has python Entry.serialize keys and order', () => {
    const root = new Entry(null, null, 0);
    const e = root.childOrCreate('x');
    e.tock = 7;
    assert.deepEqual(entryToWire(e, 2, -1), { tock: 7 });
    e.value = 5;
    assert.deepEqual(Object.keys(entryToWire(e, 0, 0)), ['value', 'tock', 'path']);
    assert.ok(e.hasValue());
  });
});

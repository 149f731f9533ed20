// Big values (store/replication/big-values.ts): the notice's size check packs the value once.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { encode, type Value } from '../../../store/codec.js';
import { noticeOf, packedSizeWith } from '../../../store/replication/big-values.js';

describe('store/replication/big-values', () => {
  it('packedSizeWith is the packed size of the whole update, and noticeOf reuses the packed value', () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 300 }));
    const value = fc.oneof(leaf, fc.array(leaf, { maxLength: 40 }), fc.dictionary(fc.string({ maxLength: 5 }), leaf, { maxKeys: 20 }), fc.nat(70_000).map((n) => 'é'.repeat(n)));
    fc.assert(
      fc.property(value, fc.nat(), fc.nat(), (v, tick, tock) => {
        const u: Record<string, unknown> = { node: 'n1', tick, prev: null, path: ['a', 1], value: v, tock };
        const packed = encode(v as Value);
        assert.equal(packedSizeWith(u, packed), encode(u as Value).length);
        assert.deepEqual(noticeOf(u, packed), noticeOf(u));
      }),
      { numRuns: 100, seed: 5 },
    );
  });
});

// fast-check generators for DistKV paths and values, shared by the codec/path/files tests.
import fc from 'fast-check';
import { Ext, PyFloat, Timestamp, pyFloat, type Value } from '../../store/codec.js';
import { Path, elementKey, type PathElement } from '../../store/path.js';

/** Characters that exercise every escape and marker of the text form, plus some Unicode. */
const CHARS = [':', '.', '_', ' ', 'a', 'b', 't', 'x', 'v', 'y', 'e', 'n', '1', '0', "'", '"', '\\', '(', ',', 'é', '\n', '\u0000', '😀', '\u00a0'];

export const textString = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 8 });
export const anyString = fc.oneof(textString, fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }));

export const intArb: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.integer({ min: -40, max: 200 }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 100n })
    .map((b) => (b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b)),
);
export const floatArb: fc.Arbitrary<number | PyFloat> = fc.oneof(
  fc.double().map(pyFloat),
  fc.constantFrom(0.5, -0.0, 1.0, 1e16, 1e-5, 0.0001, 123456789.25, 1e300).map(pyFloat),
);

export const scalarElement: fc.Arbitrary<PathElement> = fc.oneof(
  { arbitrary: anyString, weight: 4 },
  intArb,
  floatArb,
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 6 }),
  fc.constantFrom('', 'a.b', ':n', '.distkv'),
);

export const element: fc.Arbitrary<PathElement> = fc.oneof(
  { arbitrary: scalarElement, weight: 6 },
  { arbitrary: fc.array(scalarElement, { maxLength: 3 }), weight: 1 },
  { arbitrary: fc.array(fc.array(scalarElement, { maxLength: 2 }), { maxLength: 2 }), weight: 1 },
);

export const pathArb: fc.Arbitrary<Path> = fc.array(element, { maxLength: 5 }).map((els) => Path.from(els));

/** Any msgpack value DistKV can carry. */
export const valueArb: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarElement as fc.Arbitrary<Value>,
    pathArb,
    fc
      .tuple(fc.integer({ min: 0, max: 127 }).filter((t) => t !== 2 && t !== 3), fc.uint8Array({ maxLength: 20 }))
      .map(([t, d]) => new Ext(t, d)),
    fc
      .tuple(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.integer({ min: 0, max: 999_999_999 }))
      .map(([s, ns]) => new Timestamp(s, ns)),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 4 }),
    fc
      .array(fc.tuple(scalarElement as fc.Arbitrary<Value>, tie('v')), { maxLength: 4 })
      .map((kv) => {
        // Python collapses equal keys (1, 1.0, True); generate each key once.
        const m = new Map<Value, Value>();
        const seen = new Set<unknown>();
        for (const [k, v] of kv) {
          const key = elementKey(k as PathElement);
          if (!seen.has(key)) m.set(k, v);
          seen.add(key);
        }
        return m;
      }),
  ),
})).v;

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
export function unhex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}

// DistKV's msgpack codec: the one import for code that packs or unpacks DistKV messages,
// values and files. See codec-encode.ts / codec-decode.ts / codec-stream.ts for the rules.
import { Ext, PyFloat, Timestamp, dictEntries, isDict, type Value } from './codec-value.js';
import { Path, elementKey, isPathElement, type PathElement } from './path.js';

export { Encoder, EncodeError, encode, MAX_ENCODE_DEPTH } from './codec-encode.js';
export { Decoder, decode, MAX_DECODE_DEPTH } from './codec-decode.js';
export { MsgStreamDecoder, decodeAll, DEFAULT_MAX_MESSAGE_BYTES, type StreamOptions, type StreamRecord } from './codec-stream.js';
export {
  Ext,
  PyFloat,
  Timestamp,
  pyFloat,
  isDict,
  isValueObject,
  dictEntries,
  dictGet,
  type Value,
  type ValueObject,
} from './codec-value.js';

/** Python's type of a value, as `type(x)` would tell them apart (for DistKV's `idem`). */
export function pyType(v: Value): string {
  if (v === null) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'string':
      return 'str';
  }
  if (v instanceof PyFloat) return 'float';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Path) return 'Path';
  if (Array.isArray(v)) return 'tuple';
  if (v instanceof Ext) return 'ExtType';
  if (v instanceof Timestamp) return 'Timestamp';
  return 'dict';
}

function asNumber(v: Value): number | bigint | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** Python `type(a) is type(b) and a == b`: DistKV's `idem` test on set_value. */
export function sameTypeAndEqual(a: Value, b: Value): boolean {
  return pyType(a) === pyType(b) && pyEquals(a, b);
}

/**
 * Python's `a == b` on decoded values: 1 == 1.0 == True, tuples element-wise (a Path equals a
 * tuple with the same elements), dicts regardless of key order, NaN unequal to itself.
 */
export function pyEquals(a: Value, b: Value): boolean {
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a);
  const na = asNumber(a);
  if (na !== undefined) {
    const nb = asNumber(b);
    // Mixed number/bigint `==` is exact in JS.
    return nb !== undefined && na == nb; // eslint-disable-line eqeqeq
  }
  if (a === null || b === null) return false;
  if (typeof a === 'string' || typeof b === 'string') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  const sa = a instanceof Path ? a.elements : Array.isArray(a) ? (a as readonly Value[]) : undefined;
  const sb = b instanceof Path ? b.elements : Array.isArray(b) ? (b as readonly Value[]) : undefined;
  if (sa || sb) {
    if (!sa || !sb || sa.length !== sb.length) return false;
    for (let i = 0; i < sa.length; i++) if (!pyEquals(sa[i] as Value, sb[i] as Value)) return false;
    return true;
  }
  if (a instanceof Ext || b instanceof Ext) {
    return a instanceof Ext && b instanceof Ext && a.type === b.type && pyEquals(a.data, b.data);
  }
  if (a instanceof Timestamp || b instanceof Timestamp) {
    return a instanceof Timestamp && b instanceof Timestamp && a.seconds === b.seconds && a.nanoseconds === b.nanoseconds;
  }
  if (isDict(a) && isDict(b)) {
    const ea = dictEntries(a);
    const eb = dictEntries(b);
    if (ea.length !== eb.length) return false;
    const index = new Map<unknown, Value>();
    for (const [k, v] of eb) {
      if (!isPathElement(k)) return false; // unhashable keys cannot occur in a decoded dict
      index.set(elementKey(k as PathElement), v);
    }
    for (const [k, v] of ea) {
      if (!isPathElement(k)) return false;
      const key = elementKey(k as PathElement);
      if (!index.has(key) || !pyEquals(v, index.get(key)!)) return false;
    }
    return true;
  }
  return false;
}

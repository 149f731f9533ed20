// The values DistKV moves around, as JS sees them. Python's msgpack decides the shape of every
// byte we must reproduce, so the types below keep exactly what a Python value would keep:
// an integral float stays a float (PyFloat), an int beyond 2^53 stays exact (bigint), a map with
// non-string keys keeps them (Map), unknown extension types survive unchanged (Ext).
import type { Path } from './path.js';

/**
 * A Python float whose value is a safe integer (1.0, -0.0, 3e5). JS cannot tell 1.0 from 1, but
 * Python can (and DistKV's `idem` check compares types), so such floats are boxed. Every other
 * float (0.5, NaN, 1e300) is a plain JS number: a non-integral or unsafe number always encodes as
 * float64.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  toString(): string {
    return String(this.value);
  }
}

/** Returns `v` as a Python float: boxed when it would otherwise read back as an int. */
export function pyFloat(v: number): number | PyFloat {
  return Number.isSafeInteger(v) ? new PyFloat(v) : v;
}

/** A msgpack extension type DistKV does not interpret (Python's `msgpack.ExtType`: type 0..127). */
export class Ext {
  constructor(
    readonly type: number,
    readonly data: Uint8Array,
  ) {}
}

/** msgpack's Timestamp (ext -1), which Python's msgpack decodes itself and re-packs canonically. */
export class Timestamp {
  constructor(
    /** Seconds since the epoch, signed 64 bit. */
    readonly seconds: bigint,
    /** 0..999999999. */
    readonly nanoseconds: number,
  ) {}
}

/** A msgpack map with string keys only (the common case: every protocol message). */
export interface ValueObject {
  [key: string]: Value;
}

/**
 * Any value DistKV can store or send.
 * - int: `number` when a safe integer, else `bigint` (the decoder always normalises this way;
 *   the encoder accepts either).
 * - float: `number` (non-integral or unsafe) or `PyFloat` (safe-integral).
 * - str: `string`; bytes: `Uint8Array`; tuple/list: array; Path: `Path`.
 * - dict: a plain object when every key is a string that JS keeps in insertion order (not an
 *   array-index-like string such as "7", not "__proto__"), otherwise a `Map` — so re-encoding
 *   always reproduces the original key order.
 */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyFloat
  | Path
  | Ext
  | Timestamp
  | Value[]
  | readonly Value[]
  | Map<Value, Value>
  | ValueObject;

/** True for a plain object used as a msgpack map (not an array, Map, or one of our classes). */
export function isValueObject(v: unknown): v is ValueObject {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** True for either dict representation. */
export function isDict(v: unknown): v is Map<Value, Value> | ValueObject {
  return v instanceof Map || isValueObject(v);
}

/** The entries of a dict in wire order, whichever representation it has. */
export function dictEntries(v: Map<Value, Value> | ValueObject): [Value, Value][] {
  return v instanceof Map ? [...v.entries()] : Object.entries(v);
}

/**
 * Looks up a string key in a dict of either representation (a Map arises when some other key
 * is not a plain string).
 */
export function dictGet(v: Map<Value, Value> | ValueObject, key: string): Value | undefined {
  if (v instanceof Map) return v.get(key);
  return Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined;
}

/** A JS string key that a plain object would not keep in insertion order (or would misuse). */
export function isUnsafeObjectKey(k: string): boolean {
  if (k === '__proto__') return true;
  // Array-index keys (canonical uint32 < 2^32-1) are iterated first, in numeric order.
  const n = k.length;
  if (n === 0 || n > 10) return false;
  const c0 = k.charCodeAt(0);
  if (c0 < 0x30 || c0 > 0x39) return false;
  if (c0 === 0x30) return n === 1;
  for (let i = 1; i < n; i++) {
    const c = k.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(k) < 4294967295;
}

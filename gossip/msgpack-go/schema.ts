// Schema helpers: turn a decoded GoValue into what a Go struct field would hold, the way go-msgpack
// converts (ints from any int/uint form, bool also from 0/1, nil into zero values), else DecodeError.
import { DecodeError } from '../decode-error.js';
import { fromUtf8, GoExt, GoFloat, GoMap, strictTextDecoder, utf8, type GoValue } from './values.js';


function describe(v: GoValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'nil';
  if (v instanceof Uint8Array) return 'raw';
  if (v instanceof GoFloat) return 'float';
  if (v instanceof GoMap) return 'map';
  if (v instanceof GoExt) return 'ext';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function bad(what: string, want: string, v: GoValue | undefined): never {
  throw new DecodeError(`${what}: expected ${want}, got ${describe(v)}`, undefined, what);
}

/** An unsigned integer of at most `bits` bits (<= 53 so it stays a number). nil/missing -> 0. */
export function asUint(v: GoValue | undefined, bits: number, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** bits) return v;
  return bad(what, `uint${bits}`, v);
}

/** A signed integer that fits `bits` bits (<= 53). nil/missing -> 0. */
export function asInt(v: GoValue | undefined, bits: number, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** (bits - 1)) && v < 2 ** (bits - 1)) return v;
  return bad(what, `int${bits}`, v);
}

/** Any 64-bit integer as bigint (uint64 / int64 fields such as Serf's Lamport times). */
export function asBigInt(v: GoValue | undefined, what: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  return bad(what, 'integer', v);
}

export function asBool(v: GoValue | undefined, what: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  return bad(what, 'bool', v);
}

/** A float64 field; go-msgpack also accepts ints there. */
export function asFloat(v: GoValue | undefined, what: string): number {
  if (v === undefined || v === null) return 0;
  if (v instanceof GoFloat) return v.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return bad(what, 'float', v);
}

/** A []byte field: bytes, or null when the wire said nil / the field is absent. */
export function asBytesOrNull(v: GoValue | undefined, what: string): Uint8Array | null {
  if (v === undefined || v === null) return null;
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return utf8(v);
  return bad(what, 'raw bytes', v);
}

export function asBytes(v: GoValue | undefined, what: string): Uint8Array {
  return asBytesOrNull(v, what) ?? new Uint8Array(0);
}

/** A Go string field. Invalid UTF-8 is replaced with U+FFFD (use asBytes to keep it exact). */
export function asString(v: GoValue | undefined, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return fromUtf8(v);
  return bad(what, 'string', v);
}

/** Like asString but rejects invalid UTF-8 with a DecodeError. */
export function asStrictString(v: GoValue | undefined, what: string): string {
  if (v instanceof Uint8Array) {
    try {
      return strictTextDecoder.decode(v);
    } catch {
      throw new DecodeError(`${what}: invalid UTF-8`, undefined, what);
    }
  }
  return asString(v, what);
}

/** A slice field: the elements, or [] for nil/missing. */
export function asArray(v: GoValue | undefined, what: string): GoValue[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  return bad(what, 'array', v);
}

/** A map field (keys left as decoded). nil/missing -> empty. */
export function asMap(v: GoValue | undefined, what: string): GoMap {
  if (v === undefined || v === null) return new GoMap();
  if (v instanceof GoMap) return v;
  return bad(what, 'map', v);
}

/**
 * A struct: field name -> value. Keys must be strings (raw); go-msgpack matches them exactly and
 * skips unknown ones, so do we. A repeated key keeps the last value, as Go's decoder does.
 */
export function asStruct(v: GoValue | undefined, what: string): Map<string, GoValue> {
  const out = new Map<string, GoValue>();
  if (v === undefined || v === null) return out;
  if (!(v instanceof GoMap)) return bad(what, 'struct (map)', v);
  for (const [k, x] of v.entries) {
    if (k instanceof Uint8Array) out.set(fromUtf8(k), x);
    else if (typeof k === 'string') out.set(k, x);
    else bad(`${what} field name`, 'string', k);
  }
  return out;
}

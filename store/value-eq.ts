// Python `==` and `type(a) is type(b)` over decoded DistKV values: the `prev` precondition and
// the `idem` no-op of set_value must decide exactly as the Python server decides.
import { Ext, PyFloat, Timestamp, dictEntries, isDict, type Value } from './codec-value.js';
import { Path, elementKey, isPathElement } from './path.js';

type PyType = 'none' | 'bool' | 'int' | 'float' | 'str' | 'bytes' | 'tuple' | 'dict' | 'ext' | 'ts' | 'other';

/** The Python type a decoded value had. */
export function pyType(v: unknown): PyType {
  if (v === null) return 'none';
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
  if (Array.isArray(v) || v instanceof Path) return 'tuple';
  if (isDict(v)) return 'dict';
  if (v instanceof Ext) return 'ext';
  if (v instanceof Timestamp) return 'ts';
  return 'other';
}

function num(v: unknown): number | bigint | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** Python `a == b` (1 == 1.0 == True; tuples element-wise; dicts by key set and values). */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined || nb !== undefined) {
    if (na === undefined || nb === undefined) return false;
    return na == nb; // mixed bigint/number compares exactly
  }
  const ta = pyType(a);
  if (ta !== pyType(b)) return false;
  switch (ta) {
    case 'str':
    case 'none':
      return a === b;
    case 'bytes': {
      const x = a as Uint8Array;
      const y = b as Uint8Array;
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
      return true;
    }
    case 'tuple': {
      const x = a instanceof Path ? a.elements : (a as readonly unknown[]);
      const y = b instanceof Path ? b.elements : (b as readonly unknown[]);
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!pyEquals(x[i], y[i])) return false;
      return true;
    }
    case 'dict': {
      const x = dictEntries(a as Map<Value, Value>);
      const y = dictEntries(b as Map<Value, Value>);
      if (x.length !== y.length) return false;
      const idx = new Map<unknown, unknown>();
      for (const [k, v] of y) idx.set(dictKey(k), v);
      for (const [k, v] of x) {
        const key = dictKey(k);
        if (!idx.has(key) || !pyEquals(v, idx.get(key))) return false;
      }
      return true;
    }
    case 'ext':
      return (a as Ext).type === (b as Ext).type && pyEquals((a as Ext).data, (b as Ext).data);
    case 'ts':
      return (a as Timestamp).seconds === (b as Timestamp).seconds && (a as Timestamp).nanoseconds === (b as Timestamp).nanoseconds;
    default:
      return false;
  }
}

function dictKey(k: unknown): unknown {
  return isPathElement(k) ? elementKey(k) : k;
}

/** Python `type(a) is type(b) and a == b` — DistKV's `idem` test. */
export function sameTypeAndEqual(a: unknown, b: unknown): boolean {
  return pyType(a) === pyType(b) && pyEquals(a, b);
}

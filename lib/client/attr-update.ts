// DistKV's CLI edits parts of a mapping value (`set -v a.b 42` changes key b of key a), python
// `attrdict._update` / `_delete`: the value is copied, never changed in place; a mapping set over
// a mapping is merged into it (python `combine_dict`, the new side wins).
import { dictEntries, isDict, type Value, type ValueObject } from '../../store/codec.js';
import { isUnsafeObjectKey } from '../../store/codec-value.js';
import type { PathElement } from '../../store/path.js';

type Dict = Map<Value, Value> | ValueObject;

function copy(d: Dict): Map<Value, Value> {
  return new Map(dictEntries(d));
}

/** Back to a plain object when every key allows it (what the decoder would have produced). */
function normal(m: Map<Value, Value>): Value {
  if (![...m.keys()].every((k) => typeof k === 'string' && !isUnsafeObjectKey(k) && !/^\d+$/.test(k))) return m;
  const o: ValueObject = {};
  for (const [k, v] of m) o[k as string] = v;
  return o;
}

/** Deep merge, `a` wins (python combine_dict(a, b)). */
export function combine(a: Value, b: Value): Value {
  if (!isDict(a) || !isDict(b)) return a;
  const out = copy(b);
  for (const [k, v] of dictEntries(a)) out.set(k, out.has(k) ? combine(v, out.get(k)!) : v);
  return normal(out);
}

/** python: empty (falsy) path elements are skipped. */
function elems(path: readonly PathElement[]): Value[] {
  return path.filter((p) => p !== '' && p !== 0 && p !== null && p !== false) as Value[];
}

/** `val` with the item at `path` set to `value` (an empty path replaces or merges the whole). */
export function attrUpdate(val: Value | undefined, path: readonly PathElement[], value: Value): Value {
  const ps = elems(path);
  const base = val !== undefined && isDict(val) ? val : {};
  if (!ps.length) return isDict(value) ? combine(value, base) : value;
  const set = (d: Dict, i: number): Value => {
    const m = copy(d);
    const k = ps[i]!;
    if (i === ps.length - 1) {
      const old = m.get(k);
      m.set(k, isDict(value) && old !== undefined ? combine(value, old) : value);
    } else {
      const child = m.get(k);
      m.set(k, set(child !== undefined && isDict(child) ? child : {}, i + 1));
    }
    return normal(m);
  };
  return set(base, 0);
}

/** `val` without the item at `path`; intermediate mappings left empty go too. */
export function attrDelete(val: Value | undefined, path: readonly PathElement[]): Value | undefined {
  const ps = elems(path);
  if (val === undefined || !isDict(val) || !ps.length) return val;
  const del = (d: Dict, i: number): Value | undefined => {
    const m = copy(d);
    const k = ps[i]!;
    if (!m.has(k)) return undefined; // nothing to do: signal "unchanged"
    if (i === ps.length - 1) m.delete(k);
    else {
      const child = m.get(k)!;
      if (!isDict(child)) return undefined;
      const sub = del(child, i + 1);
      if (sub === undefined) return undefined;
      if (isDict(sub) && dictEntries(sub).length === 0) m.delete(k);
      else m.set(k, sub);
    }
    return normal(m);
  };
  return del(val, 0) ?? val;
}

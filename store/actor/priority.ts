// Which of two colliding pings wins (asyncactor Actor.has_priority, actor.py:588-626):
// a null value loses; otherwise the higher value wins, compared as Python compares them
// (DistKV's values are (tock, tick) tuples: lexicographic); equal values: the lower name wins.
import { PyFloat } from '../codec-value.js';
import { compareStrings } from '../path.js';
import type { ActorValue, NodeName } from './messages.js';

/** Python's str ordering: by code point (the same order as path elements' strings). */
export const compareNames: (a: string, b: string) => number = compareStrings;

// Python refuses to order mixed types (TypeError, which would kill its actor); we need a total
// order, so mixed types order by this rank. Same-type comparisons match Python.
function rank(v: ActorValue): number {
  if (v === null) return 0;
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat) return 1;
  if (typeof v === 'string') return 2;
  if (v instanceof Uint8Array) return 3;
  if (Array.isArray(v)) return 4;
  return 5;
}

function numeric(v: boolean | number | bigint | PyFloat): number | bigint {
  if (v instanceof PyFloat) return v.value; // store/codec's box for integral Python floats
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

/** A total order on values that agrees with Python's `<`/`==` wherever Python defines them. */
export function compareValues(a: ActorValue, b: ActorValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1: {
      const x = numeric(a as boolean | number | bigint | PyFloat);
      const y = numeric(b as boolean | number | bigint | PyFloat);
      // Mixed number/bigint compare correctly with < and ==.
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 2:
      return compareNames(a as string, b as string);
    case 3: {
      const x = a as Uint8Array;
      const y = b as Uint8Array;
      for (let i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 4: {
      const x = a as readonly ActorValue[];
      const y = b as readonly ActorValue[];
      for (let i = 0; i < x.length && i < y.length; i++) {
        const c = compareValues(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    default: {
      // Maps: Python only has ==; order by sorted entries so the order is at least total.
      const x = Object.entries(a as object).sort(([p], [q]) => compareNames(p, q));
      const y = Object.entries(b as object).sort(([p], [q]) => compareNames(p, q));
      return compareValues(x as unknown as ActorValue, y as unknown as ActorValue);
    }
  }
}

/**
 * True if node `a` (with value `aVal`) is preferred over node `b`. Antisymmetric for a != b:
 * hasPriority(a, x, b, y) === !hasPriority(b, y, a, x).
 */
export function hasPriority(a: NodeName, aVal: ActorValue, b: NodeName, bVal: ActorValue): boolean {
  if (aVal === null) {
    if (bVal !== null) return false;
  } else if (bVal === null) {
    return true;
  } else {
    const c = compareValues(aVal, bVal);
    if (c !== 0) return c > 0;
  }
  return compareNames(a, b) < 0;
}

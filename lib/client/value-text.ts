// Values typed on a command line: `-v` takes the text as a string; `-e` evaluates it as DistKV's
// CLI does with python's eval. We accept the literal subset (numbers, strings, bytes, True/False/
// None, tuples; store/path-literal.ts) plus JSON for maps and lists.
import type { Value, ValueObject } from '../../store/codec.js';
import { evalPathLiteral } from '../../store/path-literal.js';

export function evalValue(text: string): Value {
  try {
    return evalPathLiteral(text) as Value;
  } catch (litErr) {
    try {
      return fromJson(JSON.parse(text));
    } catch {
      throw new Error(`cannot evaluate '${text}': ${(litErr as Error).message} (maps and lists: use JSON)`);
    }
  }
}

function fromJson(v: unknown): Value {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(fromJson);
  const o: ValueObject = {};
  for (const [k, x] of Object.entries(v as object)) o[k] = fromJson(x);
  return o;
}

// Query filters: each is a type byte followed by a msgpack value (a []string of node names, or a
// {Tag, Expr} struct). A member processes a query only if it passes every filter.
import { DecodeError, decoding } from '../decode-error.js';
import { asArray, asString, asStruct, decodeOne, encode, goStruct } from '../msgpack-go.js';
import { type Filter, FilterType, type NodeName } from './messages.js';

export function encodeFilter(f: Filter): Uint8Array {
  const body = f.type === FilterType.Node ? encode(f.nodes) : encode(goStruct({ Tag: f.tag, Expr: f.expr }));
  const out = new Uint8Array(body.length + 1);
  out[0] = f.type;
  out.set(body, 1);
  return out;
}

export function decodeFilter(buf: Uint8Array): Filter {
  if (buf.length === 0) throw new DecodeError('empty query filter', 0, 'query filter');
  return decoding('query filter', (): Filter => {
    const v = decodeOne(buf, 1, { what: 'query filter' }).value;
    switch (buf[0]) {
      case FilterType.Node:
        return { type: FilterType.Node, nodes: asArray(v, 'filterNode').map((x) => asString(x, 'filterNode item')) };
      case FilterType.Tag: {
        const s = asStruct(v, 'filterTag');
        return { type: FilterType.Tag, tag: asString(s.get('Tag'), 'filterTag Tag'), expr: asString(s.get('Expr'), 'filterTag Expr') };
      }
      default:
        throw new DecodeError(`unknown query filter type ${buf[0]}`, 0, 'query filter');
    }
  });
}

/**
 * The wire filters for a query: the node filter first (if any), then one tag filter per tag.
 * Go walks its tag map in random order; we sort by tag name so our bytes are reproducible.
 */
export function encodeFilters(nodes: readonly NodeName[] | undefined, tags: ReadonlyMap<string, string> | undefined): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  if (nodes && nodes.length > 0) out.push(encodeFilter({ type: FilterType.Node, nodes: [...nodes] }));
  if (tags) {
    for (const tag of [...tags.keys()].sort()) out.push(encodeFilter({ type: FilterType.Tag, tag, expr: tags.get(tag)! }));
  }
  return out.length === 0 ? null : out;
}

// Patterns like (a+)+ make a backtracking engine exponential; Go's RE2 is linear. A remote
// query must not be able to stall us, so such patterns are refused (treated as not matching).
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]/;

/**
 * Go's regexp.MatchString (unanchored search) for the RE2 subset JavaScript shares; returns
 * undefined when the expression is invalid or refused, which Go treats as "does not pass".
 */
export function goRegexpMatch(expr: string, value: string): boolean | undefined {
  let src = expr;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1]!.includes('U')) return undefined;
    flags = [...new Set(lead[1]!.split(''))].join('');
    src = src.slice(lead[0].length);
  }
  src = src.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '(?![\\s\\S])');
  if (NESTED_QUANTIFIER.test(src)) return undefined;
  try {
    return new RegExp(src, flags).test(value);
  } catch {
    return undefined;
  }
}

/** Whether a member named `self` with `tags` should process a query carrying `filters`. */
export function passesFilters(filters: readonly Uint8Array[] | null, self: NodeName, tags: ReadonlyMap<string, string>): boolean {
  for (const raw of filters ?? []) {
    let f: Filter;
    try {
      f = decodeFilter(raw);
    } catch (e) {
      if (e instanceof DecodeError) return false;
      throw e;
    }
    if (f.type === FilterType.Node) {
      if (!f.nodes.includes(self)) return false;
    } else if (goRegexpMatch(f.expr, tags.get(f.tag) ?? '') !== true) {
      return false;
    }
  }
  return true;
}

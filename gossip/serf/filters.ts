// Query filters: each is a type byte followed by a msgpack value (a []string of node names, or a
// {Tag, Expr} struct). A member processes a query only if it passes every filter.
import { DecodeError, decoding } from '../decode-error.js';
import { asArray, asString, asStruct, decodeOne, encode, goStruct } from '../msgpack-go.js';
import { translateGoRegexp } from './go-regexp.js';
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

/**
 * Go's regexp.MatchString (unanchored search), on JS's RegExp via go-regexp.ts; undefined when
 * the expression is invalid or refused, which Go treats as "does not pass".
 */
export function goRegexpMatch(expr: string, value: string): boolean | undefined {
  const t = translateGoRegexp(expr);
  return t.ok ? new RegExp(t.source, t.flags).test(value) : undefined;
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

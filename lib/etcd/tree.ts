// How etcd v2's tree lives in DistKV's: etcd key "/a/b" is the DistKV path prefix + ("a","b").
// A file is an entry whose value is a string (other values written natively are shown as JSON);
// an explicit directory (dir=true) is an entry holding DIR_MARKER; an entry without a value but
// with a live descendant is an implicit directory (etcd creates parents implicitly, at no cost
// to the index — so do we: nothing is written for them). Indexes: DistKV's per-node modification
// counter is etcd's index; createdIndex lives in a side table (see docs/etcd.md).
import { type Entry, NOT_GIVEN } from '../../store/entry.js';
import { isValueObject, type Value } from '../../store/codec-value.js';
import type { PathElement } from '../../store/path.js';

export const DIR_MARKER_KEY = 'etcd_dir';
/** A value with a TTL: `{etcd_value: "...", etcd_expires: <wall ms>}` (a directory: etcd_dir + etcd_expires). */
export const VALUE_KEY = 'etcd_value';
export const EXPIRES_KEY = 'etcd_expires';

/**
 * What DistKV stores for an etcd node: a plain string; a directory's marker; and, with a TTL, a
 * dict carrying the wall-clock expiry time with the value, so that it replicates with it and
 * belongs to that version only (every node expires it on its own; see docs/etcd.md).
 */
export function encodeNode(dir: boolean, value: string, expires?: number): Value {
  if (expires === undefined) return dir ? { [DIR_MARKER_KEY]: true } : value;
  return dir ? { [DIR_MARKER_KEY]: true, [EXPIRES_KEY]: expires } : { [VALUE_KEY]: value, [EXPIRES_KEY]: expires };
}

export function dirMarker(): Value {
  return encodeNode(true, '');
}

/** A dict of exactly the key `main` (with `check` for its value) and an optional numeric expiry. */
function ours(v: unknown, main: string, check: (x: unknown) => boolean): v is Record<string, unknown> {
  if (!isValueObject(v)) return false;
  const o = v as Record<string, unknown>;
  if (!check(o[main])) return false;
  let n = 0;
  for (const k in o) {
    if (k === main) n++;
    else if (k === EXPIRES_KEY && (typeof o[k] === 'number' || typeof o[k] === 'bigint')) n++;
    else return false;
  }
  return n > 0;
}

export function isDirMarker(v: unknown): boolean {
  return ours(v, DIR_MARKER_KEY, (x) => x === true);
}

/** The wall-clock expiry (ms) a stored etcd node carries, if it has a TTL. */
export function expiresOf(v: unknown): number | undefined {
  if (!ours(v, DIR_MARKER_KEY, (x) => x === true) && !ours(v, VALUE_KEY, (x) => typeof x === 'string')) return undefined;
  const x = (v as Record<string, unknown>)[EXPIRES_KEY];
  return x === undefined ? undefined : Number(x);
}

/** Go `path.Clean("/" + p)`: the etcd key form ("/" for the root, no trailing slash). */
export function cleanKey(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

export function keySegments(key: string): string[] {
  return key === '/' ? [] : key.slice(1).split('/');
}

export function joinKey(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

export function isHiddenName(name: string): boolean {
  return name.startsWith('_');
}

/**
 * An entry etcd would show: a value; or an implicit directory — never written itself (no chain)
 * and with children, live or deleted (etcd keeps emptied parent directories; ours last until the
 * deleted children are purged); or a deleted entry that has a live descendant again.
 */
export function exists(e: Entry): boolean {
  if (e.value !== NOT_GIVEN) return true;
  if (!e.children) return false;
  const implicit = e.chain === null;
  for (const c of e.children.values()) if (typeof c.key === 'string' && (implicit || exists(c))) return true;
  return false;
}

export function isDirEntry(e: Entry, isRoot: boolean): boolean {
  if (isRoot) return true;
  if (e.value === NOT_GIVEN) return true; // implicit (callers check exists first)
  return isDirMarker(e.value);
}

/** The string etcd shows for a DistKV value. */
export function fileValue(v: Value): string {
  if (typeof v === 'string') return v;
  if (ours(v, VALUE_KEY, (x) => typeof x === 'string')) return v[VALUE_KEY] as string;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x instanceof Map ? Object.fromEntries(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** etcd's NodeExtern, fields in Go's order; empty ones left out (omitempty). */
export interface NodeJSON {
  key?: string;
  value?: string;
  dir?: true;
  expiration?: string;
  ttl?: number;
  nodes?: NodeJSON[];
  modifiedIndex?: number;
  createdIndex?: number;
}

export function makeNode(
  key: string,
  dir: boolean,
  value: string | undefined,
  modifiedIndex: number,
  createdIndex: number,
  exp?: { expiration: string; ttl: number },
  nodes?: NodeJSON[],
): NodeJSON {
  const n: NodeJSON = {};
  if (key !== '') n.key = key;
  if (dir) n.dir = true;
  else if (value !== undefined) n.value = value;
  if (exp) {
    n.expiration = exp.expiration;
    if (exp.ttl !== 0) n.ttl = exp.ttl;
  }
  if (nodes && nodes.length) n.nodes = nodes;
  if (modifiedIndex) n.modifiedIndex = modifiedIndex;
  if (createdIndex) n.createdIndex = createdIndex;
  return n;
}

/** Children etcd would list: string-named, existing. */
export function* liveChildren(e: Entry): Generator<Entry & { key: PathElement }> {
  for (const c of e.sortedChildren()) if (typeof c.key === 'string' && exists(c)) yield c;
}

// One node of the tree (python `distkv.model.Entry`): a value or none (a tombstone if it has a
// chain), the chain of the changes that made it, the tock of the last change, children keyed by
// path element. Built for a million keys: seven fields, children created on first use, the
// chain one frozen flat array, watchers kept by the store (few entries have any).
import type { Value } from './codec-value.js';
import { type Chain, chainToWire, type ChainWire } from './chain.js';
import type { NodeTicks } from './node-ticks.js';
import { type ElementKey, type PathElement, Path, compareElements, elementKey } from './path.js';

/** Python's `NotGiven`: no value (never set, or deleted). */
export const NOT_GIVEN: unique symbol = Symbol('NotGiven');
export type Stored = Value | typeof NOT_GIVEN;

export type StoreNode = NodeTicks<Entry>;
export type EntryChain = Chain<StoreNode>;

export class Entry {
  value: Stored = NOT_GIVEN;
  chain: EntryChain | null = null;
  children: Map<ElementKey, Entry> | null = null;
  /** Store-wide modification counter at the last change here (etcd's modifiedIndex). */
  index = 0;

  constructor(
    /** The path element naming this entry under its parent (null for the root... and the meta root). */
    readonly key: PathElement,
    public parent: Entry | null,
    public tock: number,
  ) {}

  hasValue(): boolean {
    return this.value !== NOT_GIVEN;
  }

  /** No value but a chain: a deletion not yet purged. */
  isTombstone(): boolean {
    return this.value === NOT_GIVEN && this.chain !== null;
  }

  get path(): Path {
    const els: PathElement[] = [];
    for (let e: Entry | null = this; e && e.parent; e = e.parent) els.push(e.key);
    return Path.trusted(els.reverse());
  }

  get depth(): number {
    let d = 0;
    for (let e: Entry | null = this; e && e.parent; e = e.parent) d++;
    return d;
  }

  child(el: PathElement): Entry | undefined {
    return this.children?.get(elementKey(el));
  }

  /** The child named `el`, created (with this entry's tock, as python does) if absent. */
  childOrCreate(el: PathElement): Entry {
    const k = elementKey(el);
    let c = this.children?.get(k);
    if (!c) {
      c = new Entry(el, this, this.tock);
      (this.children ??= new Map()).set(k, c);
      SORTED.delete(this);
    }
    return c;
  }

  removeChild(c: Entry): void {
    if (!this.children) return;
    const k = elementKey(c.key);
    if (this.children.get(k) === c) this.children.delete(k);
    SORTED.delete(this);
    if (this.children.size === 0) this.children = null;
  }

  get childCount(): number {
    return this.children ? this.children.size : 0;
  }

  /**
   * Children in the total element order of path.ts (python walks in insertion order). Large
   * fan-outs keep the sorted array until a child comes or goes. Do not mutate the result.
   */
  sortedChildren(): readonly Entry[] {
    if (!this.children) return [];
    const cached = SORTED.get(this);
    if (cached) return cached;
    const arr = sortEntries([...this.children.values()]);
    if (arr.length >= 256) SORTED.set(this, arr);
    return arr;
  }
}

/** Sorted children of big directories; a side table so small entries pay nothing. */
const SORTED = new WeakMap<Entry, Entry[]>();
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * compareElements order, fast: plain strings (no surrogates, where UTF-16 order differs from
 * code-point order) sort natively; everything else by compareElements, placed by type rank.
 */
function sortEntries(arr: Entry[]): Entry[] {
  if (arr.length < 2) return arr;
  const strs: Entry[] = [];
  const rest: Entry[] = [];
  for (const e of arr) (typeof e.key === 'string' && !SURROGATE.test(e.key) ? strs : rest).push(e);
  if (rest.length === arr.length) return arr.sort((a, b) => compareElements(a.key, b.key));
  strs.sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0));
  if (!rest.length) return strs;
  // mixed: strings with surrogates and other types merge by the full order
  rest.sort((a, b) => compareElements(a.key, b.key));
  const out: Entry[] = [];
  let i = 0;
  let j = 0;
  while (i < strs.length || j < rest.length) {
    if (j >= rest.length || (i < strs.length && compareElements(strs[i]!.key, rest[j]!.key) < 0)) out.push(strs[i++]!);
    else out.push(rest[j++]!);
  }
  return out;
}

export interface WalkOptions {
  /** Skip entries shallower than this (relative to the start). Default 0. */
  minDepth?: number;
  /** Do not descend below this depth; -1 or undefined = unlimited. */
  maxDepth?: number;
  /**
   * Include null-keyed (meta) children of the START entry. Python's `walk(full=)` only applies
   * it to the first level, so deeper null keys are always skipped; we copy that.
   */
  full?: boolean;
}

/** Pre-order walk in path order (python `Entry.walk`), lazily — safe to stop early. */
export function* walk(start: Entry, opts: WalkOptions = {}): Generator<[Entry, number]> {
  const min = opts.minDepth ?? 0;
  const max = opts.maxDepth ?? -1;
  const stack: [Entry, number][] = [[start, 0]];
  while (stack.length) {
    const [e, d] = stack.pop()!;
    if (min <= d) yield [e, d];
    if (max === d) continue;
    const kids = e.sortedChildren();
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i]!;
      if (k.key === null && !(opts.full && d === 0)) continue;
      stack.push([k, d + 1]);
    }
  }
}

/** What python's `Entry.serialize` puts in a reply: `{value?, chain?, tock, path?}`. */
export interface EntryWire {
  value?: Value;
  chain?: ChainWire;
  tock: number;
  path?: Path;
}

/**
 * Python `Entry.serialize(chop_path, nchain)`: `chopPath` < 0 leaves the path out, otherwise
 * that many leading elements are cut off. Key order is python's (it decides the bytes).
 */
export function entryToWire(e: Entry, nchain = 2, chopPath = 0): EntryWire {
  const res = {} as EntryWire;
  if (e.value !== NOT_GIVEN) res.value = e.value;
  if (e.chain && nchain !== 0) res.chain = chainToWire(e.chain, nchain);
  res.tock = e.tock;
  if (chopPath >= 0) res.path = chopPath > 0 ? e.path.slice(chopPath) : e.path;
  return res;
}

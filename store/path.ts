// DistKV's Path: an immutable sequence of hashable elements naming an entry in the tree.
//
// Equality follows Python, because DistKV keys each entry's children with a Python dict:
// 1 == 1.0 == True and 0 == 0.0 == -0.0 == False name the SAME child (whichever spelling came
// first is kept as the child's name), while "1" and b"1" are different children. Tuples compare
// element-wise with the same rule, and a nested Path equals the tuple with the same elements.
// (NaN: Python finds a NaN key only by identity; here every NaN is the same key.)
//
// Order (Python has none across types; DistKV walks children in insertion order): ours is total
// and documented, for any iteration that must be reproducible:
//   null < numbers (bool as 0/1, ints and floats by exact value, NaN last) < strings (by Unicode
//   code point) < bytes (by byte, then length) < tuples/paths (element-wise, shorter first).
// compareElements(a, b) === 0 exactly when elementKey(a) === elementKey(b).
import { PyFloat } from './codec-value.js';
import { formatPath, parsePath } from './path-text.js';

/** One path element: what a Python DistKV path may hold (hashable and msgpack-able). */
export type PathElement =
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array
  | PyFloat
  | Path
  | readonly PathElement[];

/** A Map key for an element: equal keys exactly for Python-equal elements. */
export type ElementKey = string | number | bigint | null;

/**
 * A lone low surrogate starts the keys of bytes and tuples: text decoded from msgpack (valid
 * UTF-8) can never contain one, and a string element that does is escaped.
 */
const TAG = '\uDFFF';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** True if `v` is an allowed path element (recursively for tuples). */
export function isPathElement(v: unknown): v is PathElement {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return true;
    case 'object':
      if (v === null || v instanceof Uint8Array || v instanceof PyFloat || v instanceof Path) return true;
      return Array.isArray(v) && v.every(isPathElement);
    default:
      return false;
  }
}

/** The numeric value of a number-like element, normalised: safe integers and non-integers as number. */
function numericKey(el: number | bigint | boolean | PyFloat): number | bigint {
  if (typeof el === 'boolean') return el ? 1 : 0;
  if (el instanceof PyFloat) el = el.value;
  if (typeof el === 'bigint') return el <= MAX_SAFE && el >= -MAX_SAFE ? Number(el) : el;
  if (Number.isInteger(el) && !Number.isSafeInteger(el)) return BigInt(el);
  return el === 0 ? 0 : el; // -0 and 0 are the same key
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}

/** A prefix-free text for an element, so concatenations stay injective. */
export function canonicalText(el: PathElement): string {
  if (el === null) return 'z';
  if (typeof el === 'string') return `s${el.length}:${el}`;
  if (el instanceof Uint8Array) return `b${hex(el)};`;
  if (el instanceof Path) el = el.elements;
  if (Array.isArray(el)) {
    let s = `t${el.length}:`;
    for (const x of el as readonly PathElement[]) s += canonicalText(x);
    return s;
  }
  const n = numericKey(el as number | bigint | boolean | PyFloat);
  return typeof n === 'bigint' || Number.isInteger(n) ? `i${n};` : `f${n};`;
}

/** The Map key of an element; strings (the usual case) are their own key. */
export function elementKey(el: PathElement): ElementKey {
  if (typeof el === 'string') return el.startsWith(TAG) ? TAG + 's' + el : el;
  if (el === null) return null;
  if (el instanceof Uint8Array || el instanceof Path || Array.isArray(el)) return TAG + canonicalText(el);
  return numericKey(el as number | bigint | boolean | PyFloat);
}

/** Python `==` between two elements. */
export function elementsEqual(a: PathElement, b: PathElement): boolean {
  return compareElements(a, b) === 0;
}

function rank(el: PathElement): number {
  if (el === null) return 0;
  switch (typeof el) {
    case 'number':
    case 'bigint':
    case 'boolean':
      return 1;
    case 'string':
      return 2;
  }
  if (el instanceof PyFloat) return 1;
  if (el instanceof Uint8Array) return 3;
  return 4;
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  const an = typeof a === 'number' && Number.isNaN(a);
  const bn = typeof b === 'number' && Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  // Mixed bigint/number comparison is exact in JS.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares strings by code point (UTF-16 code-unit order differs above U+D7FF). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (code points >= U+10000) sort above U+E000..U+FFFF.
      x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
      y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareSeqs(a: readonly PathElement[], b: readonly PathElement[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareElements(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The total element order described at the top of this file: -1, 0 or 1. */
export function compareElements(a: PathElement, b: PathElement): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return compareNumbers(
        numericKey(a as number | bigint | boolean | PyFloat),
        numericKey(b as number | bigint | boolean | PyFloat),
      );
    case 2: {
      const c = compareStrings(a as string, b as string);
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case 3:
      return compareBytes(a as Uint8Array, b as Uint8Array);
    default:
      return compareSeqs(
        a instanceof Path ? a.elements : (a as readonly PathElement[]),
        b instanceof Path ? b.elements : (b as readonly PathElement[]),
      );
  }
}

export class Path {
  static readonly ROOT: Path = new Path([]);

  /** Trusted constructor: `elements` must be valid and is not copied. Use Path.of/from otherwise. */
  private constructor(readonly elements: readonly PathElement[]) {}

  /** Builds a path from elements, checking them. */
  static of(...elements: PathElement[]): Path {
    return Path.from(elements);
  }

  /** Builds a path from an array of elements (copied and checked). */
  static from(elements: readonly unknown[]): Path {
    for (const el of elements) if (!isPathElement(el)) throw new TypeError(`not a path element: ${String(el)}`);
    return elements.length === 0 ? Path.ROOT : new Path([...(elements as PathElement[])]);
  }

  /** For decoders that validated the elements already; takes ownership of the array. */
  static trusted(elements: PathElement[]): Path {
    return elements.length === 0 ? Path.ROOT : new Path(elements);
  }

  /** DistKV's text form (`a.b:1:t`, reference §1.1); throws DecodeError on bad syntax. */
  static parse(text: string): Path {
    return Path.trusted(parsePath(text));
  }

  get length(): number {
    return this.elements.length;
  }

  at(i: number): PathElement | undefined {
    return this.elements.at(i);
  }

  [Symbol.iterator](): Iterator<PathElement> {
    return this.elements[Symbol.iterator]();
  }

  /** The server's meta tree: a leading null element. */
  get isMeta(): boolean {
    return this.elements.length > 0 && this.elements[0] === null;
  }

  /** This path followed by one element (Python's `path | el`). */
  child(el: PathElement): Path {
    if (!isPathElement(el)) throw new TypeError(`not a path element: ${String(el)}`);
    return new Path([...this.elements, el]);
  }

  /** This path followed by `other`'s elements. */
  concat(other: Path | readonly PathElement[]): Path {
    const els = other instanceof Path ? other.elements : Path.from(other).elements;
    if (els.length === 0) return this;
    if (this.elements.length === 0) return other instanceof Path ? other : new Path(els);
    return new Path([...this.elements, ...els]);
  }

  slice(start?: number, end?: number): Path {
    const els = this.elements.slice(start, end);
    return els.length === this.elements.length ? this : Path.trusted(els);
  }

  /** The path without its last element (ROOT stays ROOT). */
  parent(): Path {
    return this.slice(0, Math.max(0, this.elements.length - 1));
  }

  startsWith(prefix: Path): boolean {
    if (prefix.length > this.length) return false;
    for (let i = 0; i < prefix.length; i++) if (!elementsEqual(this.elements[i]!, prefix.elements[i]!)) return false;
    return true;
  }

  /** Python `==`: element-wise with Python's number equality. */
  equals(other: Path): boolean {
    return this.length === other.length && compareSeqs(this.elements, other.elements) === 0;
  }

  /** The total order of the file comment, applied element-wise; a prefix sorts first. */
  compare(other: Path): number {
    return compareSeqs(this.elements, other.elements);
  }

  /** A string equal for exactly the Python-equal paths; for Map<string, …> lookups. */
  key(): string {
    let s = '';
    for (const el of this.elements) s += canonicalText(el);
    return s;
  }

  /** DistKV's text form, as Python's `str(path)` prints it. */
  toString(): string {
    return formatPath(this.elements);
  }
}

// A set of integers stored as sorted, disjoint, non-adjacent half-open ranges [start, end).
// DistKV tracks per-node ticks this way (python `range_set.RangeSet`); a node that has issued
// millions of ticks with few gaps costs a handful of numbers. One flat array [s0,e0,s1,e1,...]
// keeps it compact; appends at the top (the common case: ticks grow) are O(1), other edits
// are a binary search plus one splice.
import { DecodeError } from '../gossip/decode-error.js';

/** One item of DistKV's list form: `t` means [t, t+1); `[a, b]` means [a, b). */
export type RangeWireItem = number | [number, number];

export class RangeSet implements Iterable<[number, number]> {
  /** Interleaved starts and ends; invariant: b[2i] < b[2i+1] < b[2i+2]. */
  private b: number[];

  constructor(ranges?: Iterable<readonly [number, number] | number>) {
    this.b = [];
    if (ranges) for (const r of ranges) typeof r === 'number' ? this.add(r) : this.add(r[0], r[1]);
  }

  static of(...ticks: number[]): RangeSet {
    return new RangeSet(ticks);
  }

  /** [start, end) as one range (empty when end <= start). */
  static span(start: number, end: number): RangeSet {
    const r = new RangeSet();
    if (end > start) r.b.push(start, end);
    return r;
  }

  /**
   * DistKV's list form, as `RangeSet.__setstate__` reads it. Python appends items without
   * checking order or overlap; we normalise instead, so a sloppy peer cannot corrupt us.
   */
  static fromWire(wire: unknown, what = 'range set'): RangeSet {
    if (!Array.isArray(wire)) throw new DecodeError(`${what}: expected a list, got ${typeName(wire)}`, undefined, what);
    const r = new RangeSet();
    for (const item of wire) {
      if (Array.isArray(item)) {
        if (item.length !== 2) throw new DecodeError(`${what}: a range must have 2 items, has ${item.length}`, undefined, what);
        const a = wireInt(item[0], what);
        const z = wireInt(item[1], what);
        if (z < a) throw new DecodeError(`${what}: range [${a}, ${z}) ends before it starts`, undefined, what);
        r.add(a, z);
      } else {
        r.add(wireInt(item, what));
      }
    }
    return r;
  }

  /** The list form `RangeSet.__getstate__` produces: singletons as ints, others as pairs. */
  toWire(): RangeWireItem[] {
    const out: RangeWireItem[] = [];
    const b = this.b;
    for (let i = 0; i < b.length; i += 2) out.push(b[i]! + 1 === b[i + 1] ? b[i]! : [b[i]!, b[i + 1]!]);
    return out;
  }

  copy(): RangeSet {
    const r = new RangeSet();
    r.b = this.b.slice();
    return r;
  }

  get isEmpty(): boolean {
    return this.b.length === 0;
  }

  /** Number of ranges (python `len()`). */
  get rangeCount(): number {
    return this.b.length >> 1;
  }

  /** Number of integers in the set. */
  count(): number {
    let n = 0;
    for (let i = 0; i < this.b.length; i += 2) n += this.b[i + 1]! - this.b[i]!;
    return n;
  }

  /** Largest member, or undefined. */
  max(): number | undefined {
    return this.b.length ? this.b[this.b.length - 1]! - 1 : undefined;
  }

  min(): number | undefined {
    return this.b.length ? this.b[0] : undefined;
  }

  has(x: number): boolean {
    const i = this.firstEndAbove(x);
    return i < this.b.length >> 1 && this.b[2 * i]! <= x;
  }

  /** True if every integer of [start, end) is in the set. */
  hasAll(start: number, end: number): boolean {
    if (end <= start) return true;
    const i = this.firstEndAbove(start);
    return i < this.b.length >> 1 && this.b[2 * i]! <= start && this.b[2 * i + 1]! >= end;
  }

  /** True if no integer of [start, end) is in the set. */
  hasNone(start: number, end: number): boolean {
    if (end <= start) return true;
    const i = this.firstEndAbove(start);
    return i >= this.b.length >> 1 || this.b[2 * i]! >= end;
  }

  add(start: number, end = start + 1): this {
    if (end <= start) return this;
    const b = this.b;
    const n = b.length;
    if (n === 0 || b[n - 1]! < start) {
      b.push(start, end);
      return this;
    }
    if (b[n - 1] === start) {
      b[n - 1] = end;
      return this;
    }
    // ranges i..j-1 touch or overlap [start, end)
    const i = this.firstEndAtLeast(start);
    const j = this.firstStartAbove(end);
    if (i >= j) {
      b.splice(2 * i, 0, start, end);
      return this;
    }
    const s = Math.min(start, b[2 * i]!);
    const e = Math.max(end, b[2 * j - 1]!);
    b.splice(2 * i, 2 * (j - i), s, e);
    return this;
  }

  remove(start: number, end = start + 1): this {
    if (end <= start || this.b.length === 0) return this;
    const b = this.b;
    // ranges i..j-1 overlap [start, end)
    const i = this.firstEndAbove(start);
    const j = this.firstStartAtLeast(end);
    if (i >= j) return this;
    const repl: number[] = [];
    if (b[2 * i]! < start) repl.push(b[2 * i]!, start);
    if (b[2 * j - 1]! > end) repl.push(end, b[2 * j - 1]!);
    b.splice(2 * i, 2 * (j - i), ...repl);
    return this;
  }

  addSet(other: RangeSet): this {
    if (other.b.length === 0) return this;
    if (this.b.length === 0) {
      this.b = other.b.slice();
      return this;
    }
    this.b = merge(this.b, other.b, 'or');
    return this;
  }

  removeSet(other: RangeSet): this {
    if (other.b.length === 0 || this.b.length === 0) return this;
    this.b = merge(this.b, other.b, 'sub');
    return this;
  }

  keepSet(other: RangeSet): this {
    this.b = merge(this.b, other.b, 'and');
    return this;
  }

  union(other: RangeSet): RangeSet {
    return this.copy().addSet(other);
  }

  difference(other: RangeSet): RangeSet {
    return this.copy().removeSet(other);
  }

  intersection(other: RangeSet): RangeSet {
    const r = new RangeSet();
    r.b = merge(this.b, other.b, 'and');
    return r;
  }

  equals(other: RangeSet): boolean {
    const a = this.b;
    const c = other.b;
    if (a.length !== c.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) return false;
    return true;
  }

  *[Symbol.iterator](): Iterator<[number, number]> {
    const b = this.b;
    for (let i = 0; i < b.length; i += 2) yield [b[i]!, b[i + 1]!];
  }

  /** Every member, ascending. */
  *ticks(): Generator<number> {
    const b = this.b;
    for (let i = 0; i < b.length; i += 2) for (let t = b[i]!; t < b[i + 1]!; t++) yield t;
  }

  toString(): string {
    return `RangeSet(${JSON.stringify(this.toWire())})`;
  }

  // Binary searches over range index k (0..n): the first k whose start (off 0) or end (off 1)
  // is above x (strict) or at least x. Hot in every apply, so no closures.
  private firstEndAbove(x: number): number {
    return this.search(x, 1, true);
  }
  private firstEndAtLeast(x: number): number {
    return this.search(x, 1, false);
  }
  private firstStartAbove(x: number): number {
    return this.search(x, 0, true);
  }
  private firstStartAtLeast(x: number): number {
    return this.search(x, 0, false);
  }
  private search(x: number, off: number, strict: boolean): number {
    const b = this.b;
    let lo = 0;
    let hi = b.length >> 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const v = b[2 * mid + off]!;
      if (strict ? v > x : v >= x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Linear merge of two normalised interleaved arrays. */
function merge(a: number[], c: number[], op: 'or' | 'and' | 'sub'): number[] {
  const out: number[] = [];
  const push = (s: number, e: number): void => {
    if (e <= s) return;
    const n = out.length;
    if (n && out[n - 1]! >= s) {
      if (e > out[n - 1]!) out[n - 1] = e;
    } else out.push(s, e);
  };
  if (op === 'or') {
    let i = 0;
    let j = 0;
    while (i < a.length || j < c.length) {
      if (j >= c.length || (i < a.length && a[i]! <= c[j]!)) {
        push(a[i]!, a[i + 1]!);
        i += 2;
      } else {
        push(c[j]!, c[j + 1]!);
        j += 2;
      }
    }
    return out;
  }
  if (op === 'and') {
    let i = 0;
    let j = 0;
    while (i < a.length && j < c.length) {
      const s = Math.max(a[i]!, c[j]!);
      const e = Math.min(a[i + 1]!, c[j + 1]!);
      push(s, e);
      if (a[i + 1]! < c[j + 1]!) i += 2;
      else j += 2;
    }
    return out;
  }
  // a minus c
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let s = a[i]!;
    const e = a[i + 1]!;
    while (j < c.length && c[j + 1]! <= s) j += 2;
    let k = j;
    while (k < c.length && c[k]! < e) {
      push(s, Math.min(e, c[k]!));
      s = Math.max(s, c[k + 1]!);
      if (c[k + 1]! > e) break;
      k += 2;
    }
    push(s, e);
  }
  return out;
}

function wireInt(x: unknown, what: string): number {
  if (typeof x === 'bigint') {
    if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(Number.MIN_SAFE_INTEGER))
      throw new DecodeError(`${what}: integer ${x} out of range`, undefined, what);
    return Number(x);
  }
  if (typeof x !== 'number' || !Number.isSafeInteger(x))
    throw new DecodeError(`${what}: expected an integer, got ${typeName(x)}`, undefined, what);
  return x;
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'list';
  if (x instanceof Uint8Array) return 'bytes';
  return typeof x === 'number' ? `number ${x}` : typeof x;
}

// An ordered multiset as a list of short sorted chunks (the shape of Python's sortedcontainers):
// insert, remove and lower-bound search cost a binary search plus a move of at most 2·LOAD
// pointers, so a queue thousands deep no longer shifts thousands of entries per insert. Ties keep
// the order a single sorted array with "insert before equals" would have, so callers that used
// such an array see exactly the same sequence.

/** Strict weak order: does `a` come before `b`? */
export type Before<T> = (a: T, b: T) => boolean;

/** Chunks hold LOAD..2·LOAD entries (fewer only when the list is that small). */
const LOAD = 64;

export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly before: Before<T>) {}

  get size(): number {
    return this.count;
  }

  first(): T | undefined {
    return this.chunks[0]?.[0];
  }

  last(): T | undefined {
    const c = this.chunks[this.chunks.length - 1];
    return c?.[c.length - 1];
  }

  /** Inserts `x` before the first entry that does not come before it (so before its equals). */
  insert(x: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([x]);
      return;
    }
    let ci = this.chunkOf(x);
    if (ci === this.chunks.length) ci--; // after everything: append to the last chunk
    const c = this.chunks[ci]!;
    c.splice(this.indexIn(c, x), 0, x);
    if (c.length > 2 * LOAD) this.chunks.splice(ci + 1, 0, c.splice(LOAD));
  }

  /** Removes this very entry (by identity); false if absent. */
  remove(x: T): boolean {
    const before = this.before;
    let ci = this.chunkOf(x);
    if (ci === this.chunks.length) return false;
    let i = this.indexIn(this.chunks[ci]!, x);
    // Entries equal to `x` in the order follow; look among them for `x` itself.
    for (; ci < this.chunks.length; ci++, i = 0) {
      const c = this.chunks[ci]!;
      for (; i < c.length; i++) {
        const e = c[i]!;
        if (e === x) {
          this.removeAt(ci, i);
          return true;
        }
        if (before(x, e)) return false;
      }
    }
    return false;
  }

  /** The first entry that does not come before `probe`, if any. */
  lowerBound(probe: T): T | undefined {
    const ci = this.chunkOf(probe);
    if (ci === this.chunks.length) return undefined;
    const c = this.chunks[ci]!;
    return c[this.indexIn(c, probe)];
  }

  /** Entries in order, as a new array. */
  toArray(): T[] {
    return this.chunks.flat();
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** Index of the first chunk whose last entry does not come before `x` (chunks.length if none). */
  private chunkOf(x: T): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid]!;
      if (this.before(c[c.length - 1]!, x)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexIn(c: T[], x: T): number {
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.before(c[mid]!, x)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private removeAt(ci: number, i: number): void {
    this.count--;
    const c = this.chunks[ci]!;
    if (i === c.length - 1) c.pop();
    else c.splice(i, 1);
    if (c.length >= LOAD / 2 || this.chunks.length === 1) {
      if (c.length === 0) this.chunks = [];
      return;
    }
    // Too small: merge into a neighbour, splitting again if that makes one too big.
    const ni = ci > 0 ? ci - 1 : ci + 1;
    const [lo, hi] = ni < ci ? [ni, ci] : [ci, ni];
    const merged = this.chunks[lo]!.concat(this.chunks[hi]!);
    if (merged.length > 2 * LOAD) this.chunks.splice(lo, 2, merged.slice(0, merged.length >> 1), merged.slice(merged.length >> 1));
    else this.chunks.splice(lo, 2, merged);
  }
}

// The ping history: recent pingers, newest first, unique, bounded (asyncactor/nodelist.py).
import type { NodeName } from './messages.js';

export class History {
  private readonly list: NodeName[];

  /** `maxlen` <= 0 means unbounded. The initial names are taken as they are (no trimming), as
   *  asyncactor's NodeList(maxlen, data) does. */
  constructor(
    public maxlen: number,
    names: readonly NodeName[] = [],
  ) {
    this.list = [...names];
  }

  /**
   * Moves `name` to the front (or adds it). One name is also dropped from the tail when the list
   * is bounded and either `name` was moved from anywhere but the tail or the list was full: so
   * a healed split's stale names age out instead of lingering (nodelist.py:52-82).
   */
  add(name: NodeName): void {
    const i = this.list.indexOf(name);
    if (i >= 0) this.list.splice(i, 1);
    const n = this.list.length;
    if (this.maxlen > 0 && n > 0 && ((i >= 0 && i < n) || n === this.maxlen)) this.list.pop();
    this.list.unshift(name);
  }

  get length(): number {
    return this.list.length;
  }
  /** The most recent pinger. */
  get first(): NodeName | undefined {
    return this.list[0];
  }
  at(i: number): NodeName | undefined {
    return this.list[i];
  }
  indexOf(name: NodeName): number {
    return this.list.indexOf(name);
  }
  slice(start: number, end?: number): NodeName[] {
    return this.list.slice(start, end);
  }
  toArray(): NodeName[] {
    return [...this.list];
  }
  clear(): void {
    this.list.length = 0;
  }
  copy(maxlen = this.maxlen): History {
    return new History(maxlen, this.list);
  }
  [Symbol.iterator](): Iterator<NodeName> {
    return this.list[Symbol.iterator]();
  }
}

/** Python's `list(a[i:j]) == list(b[i:j])` for short name lists. */
export function sameNames(a: readonly NodeName[], b: readonly NodeName[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Watchers (python `distkv.model.Watcher` + the server's `watch` command): every change at or
// below an entry, in order, optionally after a dump of the current subtree and an `uptodate`
// mark. The buffer is bounded: a consumer that falls `limit` changes behind is cut off with
// WatchOverflowError (python: "Aborted. Queue filled?") — it must re-sync, memory stays flat.
import { type Entry, NOT_GIVEN, walk } from './entry.js';
import type { ChangeEvent } from './store.js';

export class WatchOverflowError extends Error {
  override name = 'WatchOverflowError';
}

export type WatchItem =
  /** An entry of the initial dump (fetch); serialise its current state. */
  | { kind: 'entry'; entry: Entry; depth: number }
  /** The dump is complete. */
  | { kind: 'uptodate' }
  /** A change; python sends the entry's state at send time (`entry`), the event is extra. */
  | { kind: 'change'; entry: Entry; depth: number; event: ChangeEvent };

export interface WatchOptions {
  /** Buffered changes before the watch is cut off (python server: 100). 0 = unbounded (internal use only). */
  limit?: number;
  /** Dump the subtree's entries older than the watch first, then `uptodate`. */
  fetch?: boolean;
  minDepth?: number;
  /** -1 = unlimited. */
  maxDepth?: number;
  /** Include entries without value in the dump (changes always include deletions). */
  empty?: boolean;
  /** Also report the meta tree (null-first paths) when watching from above it. */
  full?: boolean;
  /** The tock the watch started at (python reads `server.tock`); dump skips entries not older. */
  startTock?: number;
}

export class Watcher implements AsyncIterableIterator<WatchItem> {
  private readonly queue: WatchItem[] = [];
  private qHead = 0;
  private waiter: ((r: IteratorResult<WatchItem>) => void) | null = null;
  private failer: ((e: Error) => void) | null = null;
  private dump: Generator<WatchItem> | null;
  private closed = false;
  private error: Error | null = null;
  private readonly baseDepth: number;
  private readonly inMeta: boolean;

  constructor(
    readonly entry: Entry,
    private readonly opts: WatchOptions,
    private readonly unregister: (w: Watcher) => void,
  ) {
    this.baseDepth = entry.depth;
    this.inMeta = entry.path.isMeta;
    this.dump = opts.fetch ? this.dumpItems() : null;
  }

  private *dumpItems(): Generator<WatchItem> {
    const start = this.opts.startTock ?? Infinity;
    for (const [e, depth] of walk(this.entry, { minDepth: this.opts.minDepth, maxDepth: this.opts.maxDepth })) {
      if (e.value === NOT_GIVEN && !this.opts.empty) continue;
      if (e.tock < start) yield { kind: 'entry', entry: e, depth };
    }
    yield { kind: 'uptodate' };
  }

  /** Called by the store for every change at or below the watched entry. */
  deliver(ev: ChangeEvent): void {
    if (this.closed) return;
    if (!this.opts.full && !this.inMeta && ev.entry.path.isMeta) return;
    const depth = ev.entry.depth - this.baseDepth;
    if (depth < (this.opts.minDepth ?? 0)) return;
    const max = this.opts.maxDepth ?? -1;
    if (max >= 0 && depth > max) return;
    const item: WatchItem = { kind: 'change', entry: ev.entry, depth, event: ev };
    if (this.waiter && !this.dump && this.qHead === this.queue.length) {
      const w = this.waiter;
      this.waiter = this.failer = null;
      w({ value: item, done: false });
      return;
    }
    const limit = this.opts.limit ?? 100;
    if (limit > 0 && this.queue.length - this.qHead >= limit) {
      this.fail(new WatchOverflowError(`watch buffer of ${limit} changes is full: the consumer fell behind and must re-sync`));
      return;
    }
    this.queue.push(item);
  }

  /** Changes buffered and not yet taken. */
  get pending(): number {
    return this.queue.length - this.qHead;
  }

  /** Next item without waiting, or undefined if none is ready (throws once failed and drained). */
  poll(): WatchItem | undefined {
    if (this.dump) {
      const r = this.dump.next();
      if (!r.done) return r.value;
      this.dump = null;
    }
    if (this.qHead < this.queue.length) {
      const item = this.queue[this.qHead++]!;
      if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
        this.queue.splice(0, this.qHead);
        this.qHead = 0;
      }
      return item;
    }
    if (this.error) throw this.error;
    return undefined;
  }

  next(): Promise<IteratorResult<WatchItem>> {
    try {
      const item = this.poll();
      if (item) return Promise.resolve({ value: item, done: false });
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failer = reject;
    });
  }

  return(): Promise<IteratorResult<WatchItem>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stop watching; a pending next() ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unregister(this);
    const w = this.waiter;
    this.waiter = this.failer = null;
    w?.({ value: undefined, done: true });
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.error = e;
    this.closed = true;
    this.unregister(this);
    const f = this.failer;
    this.waiter = this.failer = null;
    if (f && this.qHead === this.queue.length) f(e);
  }
}

/** entry → its watchers; the store notifies the changed entry's and all its ancestors'. */
export class WatchRegistry {
  private readonly byEntry = new Map<Entry, Set<Watcher>>();

  get size(): number {
    return this.byEntry.size;
  }

  add(entry: Entry, opts: WatchOptions): Watcher {
    const w = new Watcher(entry, opts, (x) => this.remove(x));
    let s = this.byEntry.get(entry);
    if (!s) this.byEntry.set(entry, (s = new Set()));
    s.add(w);
    return w;
  }

  isWatched(entry: Entry): boolean {
    return this.byEntry.has(entry);
  }

  private remove(w: Watcher): void {
    const s = this.byEntry.get(w.entry);
    if (!s) return;
    s.delete(w);
    if (s.size === 0) this.byEntry.delete(w.entry);
  }

  notify(ev: ChangeEvent): void {
    for (let e: Entry | null = ev.entry; e; e = e.parent) {
      const s = this.byEntry.get(e);
      if (s) for (const w of [...s]) w.deliver(ev);
    }
  }
}

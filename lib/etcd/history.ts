// etcd v2's event history (the last 1000 events, for waitIndex) and watcher hub (who hears an
// event: the key itself, recursive watchers above it unless a hidden "_" element lies between,
// and every watcher below a deleted or expired directory). Indexes may have gaps here (DistKV
// changes outside the etcd prefix advance the index too), so the scan searches by index rather
// than by offset.
import { Ecode, EtcdError } from './errors.js';
import { cleanKey, type NodeJSON } from './tree.js';

export interface EtcdEvent {
  action: string;
  node: NodeJSON;
  prevNode?: NodeJSON;
  /** The node's modifiedIndex: the store index the event happened at. */
  index: number;
  /** TTL refreshes are kept in the history but wake nobody (etcd: Event.Refresh). */
  refresh?: boolean;
}

export function eventBody(ev: EtcdEvent): string {
  const o: Record<string, unknown> = { action: ev.action, node: ev.node };
  if (ev.prevNode) o.prevNode = ev.prevNode;
  return JSON.stringify(o) + '\n';
}

export interface Watcher {
  readonly key: string;
  readonly recursive: boolean;
  readonly stream: boolean;
  readonly sinceIndex: number;
  /** The store index when the watch began (its X-Etcd-Index). */
  readonly startIndex: number;
  remove(): void;
}

interface WatcherImpl extends Watcher {
  deliver: (ev: EtcdEvent) => void;
  removed: boolean;
}

const isDelete = (a: string) => a === 'delete' || a === 'expire' || a === 'compareAndDelete';

function under(parent: string, key: string): boolean {
  return parent === '/' ? key !== '/' : key.startsWith(parent + '/');
}

/** etcd isHidden(watchPath, keyPath): a "_" element below the watched path. */
function hiddenBelow(watch: string, key: string): boolean {
  if (watch.length > key.length) return false;
  return cleanKey(key.slice(watch.length)).includes('/_');
}

export class WatchHub {
  private readonly ring: (EtcdEvent | undefined)[];
  private front = 0;
  private count = 0;
  private readonly watchers = new Set<WatcherImpl>();

  constructor(readonly capacity = 1000) {
    this.ring = new Array(capacity);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Index of the oldest event kept (0 before any). */
  get startIndex(): number {
    return this.count ? this.ring[this.front]!.index : 0;
  }

  get lastIndex(): number {
    return this.count ? this.ring[(this.front + this.count - 1) % this.capacity]!.index : 0;
  }

  add(ev: EtcdEvent): void {
    if (this.count < this.capacity) this.ring[(this.front + this.count++) % this.capacity] = ev;
    else {
      this.ring[this.front] = ev;
      this.front = (this.front + 1) % this.capacity;
    }
    if (ev.refresh || this.watchers.size === 0) return;
    for (const w of [...this.watchers]) {
      if (w.removed || !this.wants(w, ev)) continue;
      if (!w.stream) w.remove();
      w.deliver(ev);
    }
  }

  private wants(w: WatcherImpl, ev: EtcdEvent): boolean {
    if (ev.index < w.sinceIndex) return false;
    const k = ev.node.key ?? '/';
    if (k === w.key) return true;
    if (w.recursive && under(w.key, k) && !hiddenBelow(w.key, k)) return true;
    return isDelete(ev.action) && ev.node.dir === true && under(k, w.key);
  }

  /** etcd EventHistory.scan: the first kept event at or after `index` for `key`. */
  scan(key: string, recursive: boolean, index: number, storeIndex: number): EtcdEvent | undefined {
    if (index < this.startIndex) {
      throw new EtcdError(Ecode.EventIndexCleared, `the requested history has been cleared [${this.startIndex}/${index}]`, storeIndex);
    }
    if (index > this.lastIndex) return undefined;
    // binary search for the first event with index >= `index`
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ring[(this.front + mid) % this.capacity]!.index < index) lo = mid + 1;
      else hi = mid;
    }
    const pre = key === '/' ? '/' : key + '/';
    for (let i = lo; i < this.count; i++) {
      const e = this.ring[(this.front + i) % this.capacity]!;
      if (e.refresh) continue;
      const k = e.node.key ?? '/';
      let ok = k === key || (recursive && k.startsWith(pre));
      if ((e.action === 'delete' || e.action === 'expire') && e.prevNode?.dir && e.prevNode.key !== undefined) ok ||= key.startsWith(e.prevNode.key);
      if (ok) return e;
    }
    return undefined;
  }

  /**
   * etcd watcherHub.watch: `sinceIndex` 0 means "the next event". An event already in the history
   * is delivered at once (asynchronously, after this returns).
   */
  watch(key: string, recursive: boolean, stream: boolean, sinceIndex: number, storeIndex: number, deliver: (ev: EtcdEvent) => void): Watcher {
    const since = sinceIndex === 0 ? storeIndex + 1 : sinceIndex;
    const found = this.scan(key, recursive, since, storeIndex);
    const hub = this;
    const w: WatcherImpl = {
      key,
      recursive,
      stream,
      sinceIndex: since,
      startIndex: storeIndex,
      deliver,
      removed: false,
      remove() {
        if (this.removed) return;
        this.removed = true;
        hub.watchers.delete(this);
      },
    };
    if (found) {
      queueMicrotask(() => {
        if (!w.removed) {
          if (!stream) w.remove();
          deliver(found);
        }
      });
      if (!stream) return w;
    }
    this.watchers.add(w);
    return w;
  }
}

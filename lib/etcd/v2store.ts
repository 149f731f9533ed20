// etcd v2's store operations (v2store/store.go: Get, Set, Create, Update, CompareAndSwap, Delete,
// CompareAndDelete, Watch, expiry) carried out on a DistKV Store, with etcd's checks, errors and
// events. Writes are ordinary local DistKV changes (they replicate); changes that reach the
// store otherwise (replication, native clients, TTL expiry) become etcd events too.
import type { Clock } from '../../gossip/runtime.js';
import { headNode } from '../../store/chain.js';
import type { Value } from '../../store/codec-value.js';
import { type Entry, NOT_GIVEN, walk } from '../../store/entry.js';
import type { PathElement } from '../../store/path.js';
import type { ChangeEvent, Store } from '../../store/store.js';
import { TtlTable } from '../../store/ttl.js';
import { Ecode, EtcdError } from './errors.js';
import { type EtcdEvent, WatchHub, type Watcher } from './history.js';
import {
  encodeNode,
  exists,
  expiresOf,
  fileValue,
  isDirMarker,
  isHiddenName,
  joinKey,
  keySegments,
  liveChildren,
  makeNode,
  type NodeJSON,
} from './tree.js';
import { StoreStats } from './stats.js';

export interface V2StoreOptions {
  store: Store;
  clock: Clock;
  /** DistKV path under which etcd's tree lives (default ["etcd"]). */
  prefix?: readonly PathElement[];
  historySize?: number;
  /** Wall-clock milliseconds, for `expiration` (default Date.now). */
  wallNow?: () => number;
  /**
   * How long after a TTL's time a node that did not set the value waits for the setter's
   * deletion before deleting it itself (default 2000 ms).
   */
  expiryGraceMs?: number;
}

/**
 * A deletion that reaches us (replicated) up to this long before the value's expiry time is
 * taken for the other node's expiry: the nodes' wall clocks differ a little.
 */
const EXPIRY_SKEW_MS = 1000;

/** The response of a write or read: the event and the store index after it (X-Etcd-Index). */
export interface V2Result {
  event: EtcdEvent;
  etcdIndex: number;
}

export class EtcdV2Store {
  readonly store: Store;
  readonly hub: WatchHub;
  readonly ttl: TtlTable;
  readonly stats = new StoreStats();
  readonly prefix: readonly PathElement[];
  private readonly clock: Clock;
  private readonly wallNow: () => number;
  private readonly expiryGraceMs: number;
  private readonly created = new WeakMap<Entry, number>();
  /** modifiedIndex of the version a TTL was scheduled for (the expire event's prevNode shows it). */
  private readonly ttlIndex = new WeakMap<Entry, number>();
  /** >0 while we change the store ourselves: the listener leaves the event to us. */
  private busy = 0;
  private readonly off: () => void;

  constructor(opts: V2StoreOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.prefix = opts.prefix ?? ['etcd'];
    this.wallNow = opts.wallNow ?? Date.now;
    this.expiryGraceMs = opts.expiryGraceMs ?? 2000;
    this.hub = new WatchHub(opts.historySize ?? 1000);
    this.ttl = new TtlTable(this.store, this.clock, (e) => this.expired(e));
    this.off = this.store.onChange((ev) => this.onStoreChange(ev));
    // values with a TTL that were here before us (loaded, synced)
    const root = this.store.get(this.prefix);
    if (root) for (const [x] of walk(root)) if (x.value !== NOT_GIVEN) this.schedule(x);
  }

  close(): void {
    this.off();
    this.ttl.close();
  }

  /**
   * etcd's global index = this node's DistKV modification counter (every change applied here,
   * local or replicated, inside the etcd prefix or not). Read through the private field until
   * StoreCore exposes it.
   */
  get index(): number {
    return (this.store as unknown as { modIndex: number }).modIndex;
  }

  private get root(): Entry {
    return this.store.follow(this.prefix);
  }

  // ---- reading ----

  /** Entry for `key`, or etcd's KeyNotFound / NotDir. */
  private internalGet(key: string): Entry {
    let e = this.root;
    let cur = '/';
    for (const seg of keySegments(key)) {
      if (!this.isDir(e)) throw new EtcdError(Ecode.NotDir, cur, this.index);
      const c = e.child(seg);
      cur = joinKey(cur, seg);
      if (!c || !exists(c)) throw new EtcdError(Ecode.KeyNotFound, cur, this.index);
      e = c;
    }
    return e;
  }

  private isDir(e: Entry): boolean {
    return e.value === NOT_GIVEN || isDirMarker(e.value) || e === this.root;
  }

  private createdOf(e: Entry): number {
    return this.created.get(e) ?? e.index;
  }

  private expOf(e: Entry): { expiration: string; ttl: number } | undefined {
    if (e.value === NOT_GIVEN) return undefined;
    const at = expiresOf(e.value);
    return at === undefined ? undefined : this.expShape(at);
  }

  private expShape(at: number): { expiration: string; ttl: number } {
    const left = at - this.wallNow();
    // Go: whole seconds, rounded up while positive
    const ttl = left > 0 ? Math.ceil(left / 1000) : Math.trunc(left / 1000);
    return { expiration: new Date(at).toISOString(), ttl };
  }

  /** etcd node.Repr: a directory lists its children only when recursive. */
  private repr(e: Entry, key: string, recursive: boolean): NodeJSON {
    const isRoot = e === this.root;
    if (this.isDir(e)) {
      const mod = isRoot ? 0 : e.value === NOT_GIVEN ? this.createdOf(e) : e.index;
      const nodes = recursive ? this.list(e, key, true) : undefined;
      return makeNode(isRoot ? '' : key, true, undefined, mod, isRoot ? 0 : this.createdOf(e), this.expOf(e), nodes);
    }
    return makeNode(key, false, fileValue(e.value as Value), e.index, this.createdOf(e), this.expOf(e));
  }

  private list(e: Entry, key: string, recursive: boolean): NodeJSON[] {
    const out: NodeJSON[] = [];
    for (const c of liveChildren(e)) {
      const name = c.key as string;
      if (isHiddenName(name)) continue;
      out.push(this.repr(c, joinKey(key, name), recursive));
    }
    return out;
  }

  get(key: string, recursive: boolean, _sorted: boolean): V2Result {
    try {
      const e = this.internalGet(key);
      let node: NodeJSON;
      if (this.isDir(e)) {
        // loadInternalNode: a directory always lists its first level
        node = this.repr(e, key, false);
        const nodes = this.list(e, key, recursive);
        if (nodes.length) {
          const { modifiedIndex, createdIndex, ...head } = node;
          node = { ...head, nodes };
          if (modifiedIndex) node.modifiedIndex = modifiedIndex;
          if (createdIndex) node.createdIndex = createdIndex;
        }
      } else node = this.repr(e, key, false);
      this.stats.inc('getsSuccess');
      return { event: { action: 'get', node, index: node.modifiedIndex ?? 0 }, etcdIndex: this.index };
    } catch (err) {
      this.stats.inc('getsFail');
      throw err;
    }
  }

  // ---- writing ----

  private path(key: string): PathElement[] {
    return [...this.prefix, ...keySegments(key)];
  }

  /** One local DistKV change, kept out of the listener's way. */
  private write(key: string, value: Value | typeof NOT_GIVEN): Entry {
    this.busy++;
    try {
      const p = this.path(key);
      if (value === NOT_GIVEN) this.store.deleteValue(p);
      else this.store.setValue(p, value);
      const n = this.store.get(p)!;
      this.schedule(n);
      return n;
    } finally {
      this.busy--;
    }
  }

  /** The wall-clock expiry for a TTL in seconds given now. */
  private expiresFor(ttlSec: number | undefined): number | undefined {
    return ttlSec === undefined ? undefined : this.wallNow() + ttlSec * 1000;
  }

  /**
   * The node that set a value with a TTL deletes it at the time the value carries; every other
   * node deletes it itself `expiryGraceMs` later unless that deletion has come (the setter may be
   * gone), so the key expires everywhere with one deletion in the usual case. A later version
   * without a TTL simply outlives the timer (TtlTable checks the entry's index).
   */
  private schedule(e: Entry): void {
    if (e.value === NOT_GIVEN) return;
    const at = expiresOf(e.value);
    if (at === undefined) return;
    const setter = e.chain !== null && headNode(e.chain).name === this.store.name;
    this.ttlIndex.set(e, e.index);
    this.ttl.set(e.path, at - this.wallNow() + (setter ? 0 : this.expiryGraceMs));
  }

  private emit(ev: EtcdEvent): V2Result {
    this.hub.add(ev);
    return { event: ev, etcdIndex: this.index };
  }

  /** store.internalCreate: walks the parents (creating them implicitly), then writes. */
  private internalCreate(key: string, dir: boolean, value: string, unique: boolean, replace: boolean, ttl: number | undefined, action: string, refresh = false): V2Result {
    if (unique) key = joinKey(key, String(this.index + 1).padStart(20, '0'));
    if (key === '/') throw new EtcdError(Ecode.RootROnly, '/', this.index);
    const segs = keySegments(key);
    let e: Entry | undefined = this.root;
    let cur = '/';
    for (const seg of segs.slice(0, -1)) {
      cur = joinKey(cur, seg);
      e = e?.child(seg);
      if (e && exists(e) && !this.isDir(e)) throw new EtcdError(Ecode.NotDir, cur, this.index);
    }
    const old = e?.child(segs[segs.length - 1]!);
    let prevNode: NodeJSON | undefined;
    if (old && exists(old)) {
      if (!replace) throw new EtcdError(Ecode.NodeExist, key, this.index);
      if (this.isDir(old)) throw new EtcdError(Ecode.NotFile, key, this.index);
      prevNode = this.repr(old, key, false);
    }
    const fresh = this.firstMissing(segs);
    const n = this.write(key, encodeNode(dir, value, this.expiresFor(ttl)));
    this.markCreated(n, fresh);
    const node = this.repr(n, key, false);
    const ev: EtcdEvent = { action, node, index: n.index };
    if (prevNode) ev.prevNode = prevNode;
    if (refresh) ev.refresh = true;
    return this.emit(ev);
  }

  /** How many leading elements of `segs` name existing entries (parents made implicitly start after). */
  private firstMissing(segs: readonly string[]): number {
    let e: Entry | undefined = this.root;
    for (let i = 0; i < segs.length - 1; i++) {
      e = e.child(segs[i]!);
      if (!e || !exists(e)) return i;
    }
    return segs.length - 1;
  }

  /**
   * createdIndex for a new node and the parents it made implicitly: those below depth `fresh`
   * (or, for changes we did not make, those without one yet).
   */
  private markCreated(n: Entry, fresh?: number): void {
    this.created.set(n, n.index);
    const rootDepth = this.prefix.length;
    for (let p = n.parent; p && p !== this.root && p.value === NOT_GIVEN; p = p.parent) {
      if (fresh === undefined ? !this.created.has(p) : p.depth - rootDepth > fresh) this.created.set(p, n.index);
    }
  }

  private counted<T>(ok: string, fail: string, fn: () => T): T {
    try {
      const r = fn();
      this.stats.inc(ok);
      return r;
    } catch (e) {
      this.stats.inc(fail);
      throw e;
    }
  }

  set(key: string, dir: boolean, value: string, ttl: number | undefined, refresh: boolean): V2Result {
    return this.counted('setsSuccess', 'setsFail', () => {
      let n: Entry | undefined;
      try {
        n = this.internalGet(key);
      } catch (e) {
        if (!(e instanceof EtcdError) || e.errorCode !== Ecode.KeyNotFound || refresh) throw e;
      }
      if (refresh && n) value = this.isDir(n) ? '' : fileValue(n.value as Value);
      return this.internalCreate(key, dir, value, false, true, ttl, 'set', refresh);
    });
  }

  create(key: string, dir: boolean, value: string, unique: boolean, ttl: number | undefined): V2Result {
    return this.counted('createSuccess', 'createFail', () => this.internalCreate(key, dir, value, unique, false, ttl, 'create'));
  }

  update(key: string, value: string, ttl: number | undefined, refresh: boolean): V2Result {
    return this.counted('updateSuccess', 'updateFail', () => {
      if (key === '/') throw new EtcdError(Ecode.RootROnly, '/', this.index);
      const n = this.internalGet(key);
      const dir = this.isDir(n);
      if (dir && value.length !== 0) throw new EtcdError(Ecode.NotFile, key, this.index);
      const prevNode = this.repr(n, key, false);
      const created = this.createdOf(n);
      const w = this.write(key, encodeNode(dir, dir ? '' : refresh ? fileValue(n.value as Value) : value, this.expiresFor(ttl)));
      this.created.set(w, created);
      return this.emit({ action: 'update', node: this.repr(w, key, false), prevNode, index: w.index, refresh: refresh || undefined });
    });
  }

  private compareFailed(n: Entry, prevValue: string, prevIndex: number): EtcdError | undefined {
    const v = fileValue(n.value as Value);
    const indexOk = prevIndex === 0 || n.index === prevIndex;
    const valueOk = prevValue === '' || v === prevValue;
    if (indexOk && valueOk) return undefined;
    const cause = indexOk
      ? `[${prevValue} != ${v}]`
      : valueOk
        ? `[${prevIndex} != ${n.index}]`
        : `[${prevValue} != ${v}] [${prevIndex} != ${n.index}]`;
    return new EtcdError(Ecode.TestFailed, cause, this.index);
  }

  compareAndSwap(key: string, prevValue: string, prevIndex: number, value: string, ttl: number | undefined, refresh: boolean): V2Result {
    return this.counted('compareAndSwapSuccess', 'compareAndSwapFail', () => {
      if (key === '/') throw new EtcdError(Ecode.RootROnly, '/', this.index);
      const n = this.internalGet(key);
      if (this.isDir(n)) throw new EtcdError(Ecode.NotFile, key, this.index);
      const bad = this.compareFailed(n, prevValue, prevIndex);
      if (bad) throw bad;
      const prevNode = this.repr(n, key, false);
      const created = this.createdOf(n);
      const w = this.write(key, encodeNode(false, refresh ? fileValue(n.value as Value) : value, this.expiresFor(ttl)));
      this.created.set(w, created);
      return this.emit({ action: 'compareAndSwap', node: this.repr(w, key, false), prevNode, index: w.index, refresh: refresh || undefined });
    });
  }

  delete(key: string, dir: boolean, recursive: boolean): V2Result {
    return this.counted('deleteSuccess', 'deleteFail', () => {
      if (key === '/') throw new EtcdError(Ecode.RootROnly, '/', this.index);
      if (recursive) dir = true;
      const n = this.internalGet(key);
      const isDir = this.isDir(n);
      const prevNode = this.repr(n, key, false);
      const created = this.createdOf(n);
      if (isDir) {
        if (!dir) throw new EtcdError(Ecode.NotFile, key, this.index);
        if (!recursive && liveChildren(n).next().done !== true) throw new EtcdError(Ecode.DirNotEmpty, key, this.index);
        this.deleteSubtree(n);
      } else this.write(key, NOT_GIVEN);
      const node = makeNode(key, isDir, undefined, this.index, created);
      return this.emit({ action: 'delete', node, prevNode, index: this.index });
    });
  }

  compareAndDelete(key: string, prevValue: string, prevIndex: number): V2Result {
    return this.counted('compareAndDeleteSuccess', 'compareAndDeleteFail', () => {
      const n = this.internalGet(key);
      if (this.isDir(n)) throw new EtcdError(Ecode.NotFile, key, this.index);
      const bad = this.compareFailed(n, prevValue, prevIndex);
      if (bad) throw bad;
      const prevNode = this.repr(n, key, false);
      const created = this.createdOf(n);
      this.write(key, NOT_GIVEN);
      return this.emit({ action: 'compareAndDelete', node: makeNode(key, false, undefined, this.index, created), prevNode, index: this.index });
    });
  }

  watch(key: string, recursive: boolean, stream: boolean, waitIndex: number, deliver: (ev: EtcdEvent) => void): Watcher {
    return this.hub.watch(key, recursive, stream, waitIndex, this.index, deliver);
  }

  // ---- changes we did not make: replication, native clients, TTL expiry ----

  private keyOf(e: Entry): string | undefined {
    const root = this.store.get(this.prefix);
    const names: string[] = [];
    for (let x: Entry | null = e; x; x = x.parent) {
      if (x === root) return '/' + names.reverse().join('/');
      if (typeof x.key !== 'string') return undefined;
      names.push(x.key);
    }
    return undefined;
  }

  private onStoreChange(ev: ChangeEvent): void {
    if (this.busy) return;
    if (ev.value === NOT_GIVEN && ev.old === NOT_GIVEN) return; // gone already (e.g. both nodes expired it)
    const key = this.keyOf(ev.entry);
    if (key === undefined || key === '/') return;
    const e = ev.entry;
    this.schedule(e);
    const wasDir = ev.old !== NOT_GIVEN && isDirMarker(ev.old);
    let prevNode = ev.old === NOT_GIVEN ? undefined : makeNode(key, wasDir, wasDir ? undefined : fileValue(ev.old), 0, this.createdOf(e));
    if (ev.value === NOT_GIVEN) {
      // our own expiry, or another node's (replicated) shortly before ours would have come
      const at = expiresOf(ev.old);
      const expiring = at !== undefined && this.wallNow() + EXPIRY_SKEW_MS >= at;
      if (expiring) {
        this.stats.inc('expireCount');
        const exp = { expiration: new Date(at).toISOString(), ttl: 0 };
        prevNode = makeNode(key, wasDir, wasDir ? undefined : fileValue(ev.old as Value), this.ttlIndex.get(e) ?? 0, this.createdOf(e), exp);
      }
      this.hub.add({ action: expiring ? 'expire' : 'delete', node: makeNode(key, wasDir, undefined, e.index, this.createdOf(e)), prevNode, index: e.index });
      return;
    }
    if (ev.old === NOT_GIVEN) this.markCreated(e);
    this.hub.add({ action: 'set', node: this.repr(e, key, false), prevNode, index: e.index });
  }

  /** TTL expiry of a directory takes its whole subtree with it, as in etcd. */
  private expired(e: Entry): void {
    if (e.children) this.deleteSubtree(e);
  }

  /**
   * Every value at or below `e` is deleted, and every implicit directory there gets a tombstone
   * (it holds no value, but it would otherwise still show as an empty directory; see exists()).
   */
  private deleteSubtree(e: Entry): void {
    this.busy++;
    try {
      const implicit: Entry[] = [];
      for (const [x] of walk(e)) if (x.value === NOT_GIVEN && x.chain === null && x.children) implicit.push(x);
      if (e.value !== NOT_GIVEN || e.children) this.store.deleteTree(e.path);
      for (const x of implicit) this.store.deleteValue(x.path);
    } finally {
      this.busy--;
    }
  }
}

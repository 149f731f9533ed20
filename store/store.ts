// The data model of one DistKV server as the server and replication layers use it: StoreCore
// (store-core.ts: tree, ticks, tock, the apply rule) plus the commands — set/delete with
// DistKV's preconditions, lookups, tree walks, watches, get_state, info, purge, node admin.
import type { Value } from './codec-value.js';
import { chainToWire, headNode, headTick } from './chain.js';
import { NOT_GIVEN, type Entry, type Stored, walk } from './entry.js';
import { ClientChainError, ClientError } from './errors.js';
import type { NodeName } from './node-ticks.js';
import { Path, type PathElement } from './path.js';
import { RangeSet } from './range-set.js';
import { entriesForTicks, entryForTick, reportDeleted } from './deletion.js';
import {
  type ApplyInfoOptions,
  type InfoEffects,
  type StateFlags,
  type StateReply,
  applyInfo,
  discardAllMissing,
  enumNode,
  getState,
  killNode,
  purgeDeletedMap,
} from './state-info.js';
import { StoreCore, type ChangeEvent, type PathLike, type SetOptions, type SetResult } from './store-core.js';
import { pyEquals, sameTypeAndEqual } from './codec.js';
import type { WatchOptions, Watcher } from './watch.js';

export * from './store-core.js';

export class Store extends StoreCore {
  // ---- local changes (python cmd_set_value / cmd_delete_value / _set_value) ----

  setValue(path: PathLike, value: Value, opts: SetOptions = {}): SetResult {
    return this.change(path, value, opts);
  }

  deleteValue(path: PathLike, opts: SetOptions = {}): SetResult {
    return this.change(path, NOT_GIVEN, opts);
  }

  private change(path: PathLike, value: Stored, opts: SetOptions): SetResult {
    const entry = this.follow(path);
    const nchain = opts.nchain ?? 1;
    if (opts.idem && entry.value !== NOT_GIVEN && value !== NOT_GIVEN && sameTypeAndEqual(entry.value, value)) {
      const res = { tock: entry.tock, changed: false } as SetResult;
      if (nchain > 0 && entry.chain) res.chain = chainToWire(entry.chain, nchain);
      return res;
    }
    let sendPrev = true;
    if ('prev' in opts) {
      if (entry.value === NOT_GIVEN || opts.prev === undefined || !pyEquals(entry.value, opts.prev))
        throw new ClientError(`Data is ${show(entry.value)} not ${show(opts.prev)} at ${showPath(path)}`);
      sendPrev = false;
    }
    if ('chain' in opts) {
      const want = opts.chain;
      if (want === null || want === undefined) {
        if (entry.value !== NOT_GIVEN) throw new ClientChainError(`Entry already exists at ${showPath(path)}`);
      } else if (entry.value === NOT_GIVEN) throw new ClientChainError(`Entry is new at ${showPath(path)}`);
      else if (!entry.chain || headNode(entry.chain).name !== want.node || headTick(entry.chain) !== want.tick)
        // compared by name: a made-up node in a refused precondition must not enter the node table
        throw new ClientChainError(`Chain mismatch at ${showPath(path)}`);
      sendPrev = false;
    }
    if (opts.prevIndex !== undefined) {
      const cur = entry.value === NOT_GIVEN ? 0 : entry.index;
      if (cur !== opts.prevIndex) throw new ClientError(`Index is ${cur} not ${opts.prevIndex} at ${showPath(path)}`);
    }
    const res = {} as SetResult;
    res.changed =
      value === NOT_GIVEN ? entry.value !== NOT_GIVEN : entry.value === NOT_GIVEN || !pyEquals(entry.value, value);
    if (sendPrev && entry.value !== NOT_GIVEN) res.prev = entry.value;
    this.localEvent(entry, value);
    if (nchain !== 0 && entry.chain) res.chain = chainToWire(entry.chain, nchain);
    res.tock = entry.tock;
    return res;
  }

  // ---- reading ----

  /**
   * Watch `path` (created if absent, as python does). `startTock` defaults to a fresh tock, as
   * python's watch command reads `server.tock`.
   */
  watch(path: PathLike, opts: WatchOptions = {}): Watcher {
    const entry = this.follow(path);
    return this.watches.add(entry, { ...opts, startTock: opts.startTock ?? this.nextTock() });
  }

  /**
   * get_value by (node, tick): the entry whose chain holds that tick. Unknown nodes, future and
   * superseded ticks are refused (python: a KeyError sent as an error reply).
   */
  entryForTick(name: NodeName, tick: number): Entry {
    const n = this.knownNode(name);
    const e = n ? entryForTick(this, n, tick) : undefined;
    if (!e) throw new ClientError(`no entry for ${name}/${tick}`);
    return e;
  }

  /**
   * python get_tree's walk: entries at or below `path` in path order; without `empty` only
   * entries with a value (but the walk still descends through the others). `empty` also
   * includes the meta tree's top (python passes it as walk's `full`).
   */
  *iterate(path: PathLike, opts: { minDepth?: number; maxDepth?: number; empty?: boolean } = {}): Generator<[Entry, number]> {
    const start = this.get(path);
    if (!start) return;
    for (const [e, d] of walk(start, { minDepth: opts.minDepth, maxDepth: opts.maxDepth, full: opts.empty }))
      if (opts.empty || e.value !== NOT_GIVEN) yield [e, d];
  }

  /** python `enum`: child keys (with a value, or all with `empty`), or key → value with `withData`. */
  enumerate(path: PathLike, opts: { withData?: boolean; empty?: boolean } = {}): PathElement[] | [PathElement, Value | null][] {
    const e = this.get(path);
    if (!e) throw new ClientError(`no entry at ${showPath(path)}`);
    if (opts.withData) {
      const out: [PathElement, Value | null][] = [];
      for (const c of e.sortedChildren())
        if (c.value !== NOT_GIVEN) out.push([c.key, c.value]);
        else if (opts.empty) out.push([c.key, null]);
      return out;
    }
    return e.sortedChildren().filter((c) => opts.empty || c.value !== NOT_GIVEN).map((c) => c.key);
  }

  /**
   * python delete_tree: deletes every value at or below `path` (python also "deletes" value-less
   * interior entries, spending a tick on each; we do not). Returns the applied deletions.
   */
  deleteTree(path: PathLike): ChangeEvent[] {
    if (path.length === 0) throw new ClientError("You can't delete the root node");
    const start = this.get(path);
    if (!start) return [];
    const victims = [...walk(start)].map(([e]) => e).filter((e) => e.value !== NOT_GIVEN);
    const out: ChangeEvent[] = [];
    const off = this.onChange((ev) => out.push(ev));
    try {
      for (const e of victims) if (e.value !== NOT_GIVEN) this.localEvent(e, NOT_GIVEN);
    } finally {
      off();
    }
    return out;
  }

  // ---- the tick table (see state-info.ts / deletion.ts) ----

  /**
   * Re-send support (python `_send_missing_data`): tick → entry for the present ticks of
   * `ticks` (heads from the index, other links by one tree walk).
   */
  entriesForTicks(name: NodeName, ticks: RangeSet): Map<number, Entry> {
    const n = this.knownNode(name);
    return n ? entriesForTicks(this, n, ticks) : new Map();
  }

  /**
   * python `check_deleted`: of the ticks a peer holds as entries, those we hold on no chain;
   * the caller broadcasts them as `info {deleted}`.
   */
  checkDeleted(nodes: Map<NodeName, RangeSet>): Map<NodeName, RangeSet> {
    const out = new Map<NodeName, RangeSet>();
    for (const [name, r] of nodes) {
      const gone = r.difference(this.node(name).present);
      if (!gone.isEmpty) out.set(name, gone);
    }
    return out;
  }

  /** python `resync_deleted`'s input: node → the ticks heading our entries. */
  headTicks(): Map<NodeName, RangeSet> {
    const out = new Map<NodeName, RangeSet>();
    for (const n of this.nodes()) if (n.heads.size) out.set(n.name, new RangeSet([...n.heads.keys()].sort((a, b) => a - b)));
    return out;
  }

  getState(flags: StateFlags): StateReply {
    return getState(this, flags);
  }

  applyInfo(msg: unknown, opts: ApplyInfoOptions): InfoEffects {
    return applyInfo(this, msg, opts);
  }

  reportDeleted(name: NodeName, r: RangeSet): void {
    reportDeleted(this, this.node(name), r);
  }

  purgeDeleted(deleted: Map<NodeName, RangeSet>): void {
    purgeDeletedMap(this, deleted);
  }

  enumNode(name: NodeName, max = 0, current = false): number[] {
    return enumNode(this, name, max, current);
  }

  killNode(name: NodeName): void {
    killNode(this, name);
  }

  discardAllMissing(): void {
    discardAllMissing(this);
  }

}

function show(v: unknown): string {
  if (v === NOT_GIVEN) return 'NotGiven';
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

function showPath(p: PathLike): string {
  return (p instanceof Path ? p : Path.trusted([...p])).toString();
}

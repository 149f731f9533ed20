// The heart of one DistKV server's data model (python `distkv.model` + the model half of
// `distkv.server.Server`): the tree, the node table, tick and tock, and applying changes — local
// ones and remote updates — by DistKV's conflict rule (reference §1.6). store.ts adds the
// client-facing commands on top.
// Where python loses data or diverges we deliberately differ — each spot says so and
// docs/distkv-model.md lists them; the wire forms stay python's.
import type { Value } from './codec-value.js';
import { type ChainWire, attach, chainEquals, chainLt, headNode, headTick, tickOf } from './chain.js';
import { NOT_GIVEN, Entry, type EntryChain, type Stored, type StoreNode } from './entry.js';
import { NotReadyError } from './errors.js';
import { NodeTicks, type NodeName } from './node-ticks.js';
import type { Path, PathElement } from './path.js';
import { RangeSet } from './range-set.js';
import { parseUpdate } from './update-wire.js';
import { WatchRegistry } from './watch.js';

export type Origin = 'local' | 'remote' | 'load';

/** One applied change, reported synchronously to listeners and watchers. */
export interface ChangeEvent {
  readonly entry: Entry;
  /** The entry's chain after the change (its head is this change). */
  readonly chain: EntryChain;
  readonly value: Stored;
  readonly old: Stored;
  readonly tock: number;
  readonly origin: Origin;
}

/** What became of an incoming update. */
export type ApplyOutcome = 'applied' | 'duplicate' | 'stale' | 'lost';

export interface SetOptions {
  /** Links of the chain to return (python default 1; 0 = none, -1 = all). */
  nchain?: number;
  /** `null`: the entry must have no value. `{node, tick}`: its chain head must be that. */
  chain?: { node: string; tick: number } | null;
  /** The current value must equal this (python `==`). */
  prev?: Value;
  /** An identical value of the same type is a no-op (`changed: false`). */
  idem?: boolean;
  /** etcd: the entry's modification index must be this (0 = must not have a value). */
  prevIndex?: number;
}

/** python `_set_value`'s reply, keys in python's order. */
export interface SetResult {
  changed: boolean;
  prev?: Value;
  chain?: ChainWire;
  tock: number;
}

export type PathLike = Path | readonly PathElement[];

/** Nodes, tick and tock, the tree, and applying changes; Store adds the commands. */
export class StoreCore {
  readonly root: Entry;
  readonly self: StoreNode;
  /** Names of nodes removed from the system (python `node_drop`). */
  readonly nodeDrop = new Set<NodeName>();
  readonly watches = new WatchRegistry();
  private readonly nodeMap = new Map<NodeName, StoreNode>();
  private _tock = 0;
  private modIndex = 0;
  private readonly listeners: ((ev: ChangeEvent) => void)[] = [];
  /** Deletions not yet handed to the delete actor (python `_delete_also_nodes`). */
  private deletedQueue = new Map<NodeName, RangeSet>();

  constructor(name: NodeName, opts: { tick?: number | null } = {}) {
    this.root = new Entry(null, null, this.nextTock());
    this.self = this.node(name);
    this.self.tick = opts.tick ?? null;
  }

  get name(): NodeName {
    return this.self.name;
  }

  // ---- nodes, tick, tock ----

  /** The record for `name`, created if new (python `Node(name, tick, cache)`); the tick only rises. */
  node(name: NodeName, tick?: number | null): StoreNode {
    let n = this.nodeMap.get(name);
    if (!n) {
      n = new NodeTicks<Entry>(name, tick ?? null);
      this.nodeMap.set(name, n);
      this.nodeDrop.delete(name);
    } else n.raiseTick(tick);
    return n;
  }

  knownNode(name: NodeName): StoreNode | undefined {
    return this.nodeMap.get(name);
  }

  nodes(): IterableIterator<StoreNode> {
    return this.nodeMap.values();
  }

  /** Forget a node (kill_node / node_drop). */
  dropNodeRecord(name: NodeName): void {
    if (name === this.self.name) return;
    if (this.nodeMap.delete(name)) this.nodeDrop.add(name);
  }

  /** Our tick: null while we have no state (python: not ready), else the last tick we issued. */
  get tick(): number | null {
    return this.self.tick;
  }

  /** python: after a sync or `-I`, a tick of None becomes 0. */
  markReady(): void {
    if (this.self.tick === null) this.self.tick = 0;
  }

  /** python's `Server.tock` property: every read returns a fresh, larger value. */
  nextTock(): number {
    return ++this._tock;
  }

  /** The current tock without consuming one. */
  get currentTock(): number {
    return this._tock;
  }

  /** python `tock_seen`: the local tock rises to any larger tock seen in a message. */
  tockSeen(t: number | null | undefined): void {
    if (typeof t === 'number' && t > this._tock) this._tock = t;
  }

  // ---- the tree ----

  get(path: PathLike): Entry | undefined {
    let e: Entry | undefined = this.root;
    for (const el of path) {
      e = e.child(el);
      if (!e) return undefined;
    }
    return e;
  }

  follow(path: PathLike): Entry {
    let e = this.root;
    for (const el of path) e = e.childOrCreate(el);
    return e;
  }

  /** Synchronous listener for every applied change (replication, change logs). Returns an unsubscribe. */
  onChange(fn: (ev: ChangeEvent) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** python `next_event` + `Entry.set_data`: a new tick of ours, applied to `entry`. */
  localEvent(entry: Entry, value: Stored): ApplyOutcome {
    const me = this.self;
    if (me.tick === null) throw new NotReadyError(`${me.name} has no state yet; no local changes`);
    const tick = ++me.tick;
    this._tock++;
    me.seen(tick, false);
    const tock = this.nextTock();
    const [chain, dropped] = attach(me, tick, entry.chain);
    if (dropped !== undefined) me.supersede(dropped);
    const out = this.applyChain(entry, chain, value, tock, 'local');
    this._tock++;
    return out;
  }

  // ---- remote updates (python user_update / UpdateEvent.deserialize / Entry.apply) ----

  /**
   * Applies an update in either wire form. Throws DecodeError (and changes nothing) on a
   * malformed message. `origin: 'load'` is python's loading mode (no difference here but the
   * tag listeners see).
   */
  applyUpdate(msg: unknown, origin: Origin = 'remote'): ApplyOutcome {
    const u = parseUpdate(msg, (name) => this.node(name));
    const tock = u.tock ?? this.nextTock();
    this.tockSeen(tock);
    // python's NodeEvent.deserialize: every link raises its node's known tick (this is also how
    // a restarted node resumes its numbering) and clears it from `reported`.
    for (let i = 0; i < u.chain.length; i += 2) {
      const n = u.chain[i] as StoreNode;
      const t = u.chain[i + 1] as number;
      n.raiseTick(t);
      if (t > 0) n.seen(t, false);
    }
    // python's UpdateEvent(): a deletion's tick is marked deleted whatever happens next.
    if (u.value === NOT_GIVEN) headNode(u.chain).deleted.add(headTick(u.chain));
    const existing = this.get(u.path);
    if (!existing || !existing.chain) {
      // judged before creating anything, so a refused update leaves no empty entry behind
      const hn = headNode(u.chain);
      const ht = headTick(u.chain);
      if (hn.superseded.has(ht) && !hn.present.has(ht)) {
        this.dropLinks(u.chain, null, existing ?? this.root);
        return 'stale';
      }
    }
    return this.applyChain(existing ?? this.follow(u.path), u.chain, u.value, tock, origin);
  }

  /** The conflict rule (reference §1.6) and its bookkeeping. */
  applyChain(entry: Entry, chain: EntryChain, value: Stored, tock: number, origin: Origin): ApplyOutcome {
    const cur = entry.chain;
    if (chainEquals(chain, cur)) return 'duplicate';
    const outcome = this.judge(entry, chain, tock);
    if (outcome !== 'applied') {
      // python forgets a stale event's ticks; we mark them gone so `missing` converges
      this.dropLinks(chain, cur, entry);
      return outcome;
    }
    const old = entry.value;
    entry.value = value;
    entry.tock = tock;
    entry.index = ++this.modIndex;
    this.dropLinks(cur, chain, entry);
    if (cur) {
      // the index holds current heads only (a third of python's memory); see NodeTicks.heads
      const on = headNode(cur);
      if (on.heads.get(headTick(cur)) === entry) on.heads.delete(headTick(cur));
    }
    entry.chain = chain;
    const deleted = value === NOT_GIVEN;
    for (let i = 0; i < chain.length; i += 2) {
      const n = chain[i] as StoreNode;
      const t = chain[i + 1] as number;
      if (deleted) this.markDeleted(n, t);
      n.seen(t, true);
    }
    headNode(chain).heads.set(headTick(chain), entry);
    this.emit({ entry, chain, value, old, tock, origin });
    return 'applied';
  }

  private judge(entry: Entry, chain: EntryChain, tock: number): ApplyOutcome {
    const cur = entry.chain;
    const hn = headNode(chain);
    const ht = headTick(chain);
    if (cur) {
      // python `cur > new` uses '>'; an event still on our chain as an older link is stale
      // too (python would let it resurrect a tombstone)
      const t = tickOf(cur, hn);
      if (t !== undefined && t >= ht) return 'stale';
      // concurrent: python checks only when the entry has a value, so a tombstone lost or won
      // depending on arrival order; we check tombstones too, so every order converges
      if (!chainLt(cur, chain)) {
        if (tock < entry.tock) return 'lost';
        // python: a tie goes to whichever arrives last; we break it by the head link
        if (tock === entry.tock && !tieWins(chain, cur)) return 'lost';
      }
    } else if (hn.superseded.has(ht) && !hn.present.has(ht)) {
      // overwritten or purged long ago: python would resurrect it (e.g. after a purge)
      return 'stale';
    }
    return 'applied';
  }

  /** python `drop_old_event(keep, old)`: links of `old` not in `keep` (same tick) are gone. */
  private dropLinks(old: EntryChain | null, keep: EntryChain | null, entry: Entry): void {
    if (!old) return;
    for (let i = 0; i < old.length; i += 2) {
      const n = old[i] as StoreNode;
      const t = old[i + 1] as number;
      if (tickOf(keep, n) === t) continue;
      const owner = n.heads.get(t);
      if (owner !== undefined && owner !== entry) continue; // never another entry's tick
      n.supersede(t);
    }
  }

  /** python `Entry.mark_deleted` per link + `Server.mark_deleted` (queue for the delete actor). */
  markDeleted(n: StoreNode, t: number): void {
    n.deleted.add(t);
    let q = this.deletedQueue.get(n.name);
    if (!q) this.deletedQueue.set(n.name, (q = new RangeSet()));
    q.add(t);
  }

  /** Deletions recorded since the last call, node → ticks (for the delete actor, every 10 s). */
  takeDeletedQueue(): Map<NodeName, RangeSet> {
    const q = this.deletedQueue;
    this.deletedQueue = new Map();
    return q;
  }

  private emit(ev: ChangeEvent): void {
    for (const fn of this.listeners) fn(ev);
    if (this.watches.size) this.watches.notify(ev);
  }
}

/** Deterministic tie-break for equal tocks: the larger head (node name, then tick) wins. */
function tieWins(incoming: EntryChain, cur: EntryChain): boolean {
  const a = headNode(incoming).name;
  const b = headNode(cur).name;
  if (a !== b) return a > b;
  return headTick(incoming) > headTick(cur);
}

// The tick-table side of the server: `get_state` replies (python `Server.get_state`), applying
// `info` broadcasts and state records (python `user_info` / `_process_info`), and the node
// maintenance commands `enum_node` / `kill_node` (python `Node.enumerate`, `kill_this_node`).
import { DecodeError } from '../gossip/decode-error.js';
import { get, has, headNode, isMap, toTick, withoutNode } from './chain.js';
import { entriesOfNode, purgeDeleted, reportDeleted } from './deletion.js';
import { ClientError } from './errors.js';
import type { NodeName } from './node-ticks.js';
import { RangeSet, type RangeWireItem } from './range-set.js';
import type { Store } from './store.js';
import type { StoreNode } from './entry.js';

export interface StateFlags {
  nodes?: boolean;
  known?: boolean;
  superseded?: boolean;
  present?: boolean;
  deleted?: boolean;
  missing?: boolean;
  remote_missing?: boolean;
  node_drop?: boolean;
}

export type StateReply = {
  nodes?: Record<NodeName, number | null>;
  known?: Record<NodeName, RangeWireItem[]>;
  present?: Record<NodeName, RangeWireItem[]>;
  deleted?: Record<NodeName, RangeWireItem[]>;
  missing?: Record<NodeName, RangeWireItem[]>;
  remote_missing?: Record<NodeName, RangeWireItem[]>;
  node_drop?: NodeName[];
  node: NodeName;
  tock: number;
};

/** python `get_state`: keys in python's order, empty sets left out, `node` and a fresh `tock` last. */
export function getState(store: Store, f: StateFlags): StateReply {
  const res = {} as StateReply;
  const sets = (which: (n: StoreNode) => RangeSet | null): Record<NodeName, RangeWireItem[]> => {
    const out: Record<NodeName, RangeWireItem[]> = Object.create(null);
    for (const n of store.nodes()) {
      const r = which(n);
      if (r && !r.isEmpty) out[n.name] = r.toWire();
    }
    return out;
  };
  if (f.nodes) {
    const nd: Record<NodeName, number | null> = Object.create(null);
    for (const n of store.nodes()) nd[n.name] = n.tick;
    res.nodes = nd;
  }
  if (f.known || f.superseded) res.known = sets((n) => n.superseded);
  if (f.present) res.present = sets((n) => n.present);
  if (f.deleted) res.deleted = sets((n) => n.deleted);
  if (f.missing) res.missing = sets((n) => (n.tick ? n.missing() : null));
  if (f.remote_missing) res.remote_missing = sets((n) => n.reported);
  if (f.node_drop) res.node_drop = [...store.nodeDrop];
  res.node = store.name;
  res.tock = store.nextTock();
  return res;
}

/** What an `info` message asked of us, for the replication layer to act on. */
export interface InfoEffects {
  /** `missing` reported something: node → ticks (start the re-send task). */
  missing: Map<NodeName, RangeSet>;
  /** The message carried `ticks` (split recovery step 1). */
  hadTicks: boolean;
  /** The message carried `missing` (split recovery step 2). */
  hadMissing: boolean;
}

export interface ApplyInfoOptions {
  /** An `info` broadcast (python `user_info`), else a state record (python `_process_info`). */
  broadcast: boolean;
  /**
   * Tombstones named in `deleted` are purged only for these ticks (python purges every one).
   * A re-send round's `info {deleted}` names tombstones its sender still holds; purged on
   * receipt, they could no longer beat an older concurrent write still on its way.
   */
  purgeOnly?: ReadonlyMap<NodeName, RangeSet>;
}

/**
 * Applies an `info` broadcast (`broadcast: true`, python `user_info`) or a state record from a
 * peer's get_state / a saved file (`broadcast: false`, python `_process_info`). Validates the
 * whole message before changing anything.
 */
export function applyInfo(store: Store, msg: unknown, opts: ApplyInfoOptions): InfoEffects {
  if (!isMap(msg)) throw new DecodeError('info: expected a map', undefined, 'info');
  const fx: InfoEffects = { missing: new Map(), hadTicks: false, hadMissing: false };
  const tock = get(msg, 'tock');
  const ticks = nodeMap(msg, opts.broadcast ? 'ticks' : 'nodes', (v, w) => (v === null ? null : toTick(v, w)));
  const missing = nodeMap(msg, 'missing', RangeSet.fromWire);
  const knownKey = opts.broadcast && has(msg, 'superseded') ? 'superseded' : 'known';
  const known = nodeMap(msg, knownKey, RangeSet.fromWire);
  const deleted = nodeMap(msg, 'deleted', RangeSet.fromWire);
  const remoteMissing = opts.broadcast ? null : nodeMap(msg, 'remote_missing', RangeSet.fromWire);
  const drop = get(msg, 'node_drop');
  if (drop !== undefined && drop !== null && (!Array.isArray(drop) || !drop.every((x) => typeof x === 'string')))
    throw new DecodeError('info: node_drop must be a list of names', undefined, 'info');

  if (typeof tock === 'number') store.tockSeen(tock);
  if (ticks) {
    fx.hadTicks = true;
    for (const [name, t] of ticks) store.node(name, t);
  }
  if (missing) {
    fx.hadMissing = true;
    for (const [name, r] of missing) {
      store.node(name).reportMissing(r);
      if (!r.isEmpty) fx.missing.set(name, r);
    }
  }
  if (known)
    for (const [name, r] of known) {
      ownTicksClaimed(store, name, r);
      store.node(name).reportSuperseded(r, !opts.broadcast);
    }
  if (deleted)
    for (const [name, r] of deleted) {
      ownTicksClaimed(store, name, r);
      reportDeleted(store, store.node(name), r, opts.purgeOnly ? (opts.purgeOnly.get(name) ?? new RangeSet()) : r);
    }
  if (remoteMissing) for (const [name, r] of remoteMissing) store.node(name).reportMissing(r);
  if (Array.isArray(drop)) for (const name of drop as string[]) droppedNode(store, name);
  return fx;
}

/**
 * Somebody says ticks of ours beyond our counter are superseded or deleted: they were written by
 * an earlier life of this node (or the claim is garbage). Our next writes must not reuse them,
 * or every store (ours included) would judge those writes stale.
 */
function ownTicksClaimed(store: Store, name: NodeName, r: RangeSet): void {
  const self = store.self;
  if (name !== self.name || self.tick === null) return;
  self.raiseTick(r.max());
}

function nodeMap<T>(msg: Record<string, unknown> | Map<unknown, unknown>, key: string, dec: (v: unknown, what: string) => T): Map<NodeName, T> | null {
  const v = get(msg, key);
  if (v === undefined || v === null) return null;
  if (!isMap(v)) throw new DecodeError(`info: ${key} must be a map`, undefined, 'info');
  const out = new Map<NodeName, T>();
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  for (const [k, x] of entries) {
    if (typeof k !== 'string') throw new DecodeError(`info: ${key} has a non-string node name`, undefined, 'info');
    out.set(k, dec(x, `info ${key}.${k}`));
  }
  return out;
}

/** The delete actor's purge of node → ticks (python `Server.purge_deleted`). */
export function purgeDeletedMap(store: Store, deleted: Map<NodeName, RangeSet>): void {
  for (const [name, r] of deleted) purgeDeleted(store, store.node(name), r);
}

/**
 * python `enum_node`: ticks of `name` that are on some chain, ascending (python: insertion
 * order), at most `max` (0 = all); `current` = only ticks heading their entry.
 */
export function enumNode(store: Store, name: NodeName, max = 0, current = false): number[] {
  const n = store.knownNode(name);
  if (!n) throw new ClientError(`unknown node ${name}`);
  const out: number[] = [];
  for (const [t, e] of entriesOfNode(store, n)) {
    if (current && e.chain && headNode(e.chain) !== n) continue;
    out.push(t);
    if (max && out.length >= max) break;
  }
  return out;
}

/**
 * python `kill_node`: refused while `name` heads an entry; otherwise its links are cut from every
 * chain and the node is forgotten (listed in node_drop). The caller broadcasts
 * `info {node_drop: [name]}`.
 */
export function killNode(store: Store, name: NodeName): void {
  const n = store.knownNode(name);
  if (!n) throw new ClientError(`unknown node ${name}`);
  if (n === store.self) throw new ClientError(`Node ${name} is this server`); // python would drop its own record
  const held = entriesOfNode(store, n);
  for (const [, e] of held)
    if (e.chain && headNode(e.chain) === n) throw new ClientError(`Node ${name} has entry ${e.path.toString()}`);
  for (const [, e] of held) e.chain = withoutNode(e.chain, n);
  store.dropNodeRecord(name);
}

/** python `_dropped_node` (an `info.node_drop`): kill the node unless it still heads an entry. */
export function droppedNode(store: Store, name: NodeName): boolean {
  try {
    killNode(store, name);
    return true;
  } catch (e) {
    if (e instanceof ClientError) return false;
    throw e;
  }
}

/** python `_discard_all_missing` (`--authoritative`): whatever is still missing is gone. */
export function discardAllMissing(store: Store): void {
  for (const n of store.nodes()) if (n.tick) n.reportSuperseded(n.missing(), true);
}

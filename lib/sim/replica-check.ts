// What a simulated DistKV run is judged by: the acknowledged writes (a ledger filled by the
// workload), which of them must survive, and whether every live node ended with identical stores
// holding them. The verdict line `converged <bool> lost <n> nodes <k> keys <m>` is a stable format
// (scripts and the acceptance read it).
import { createHash } from 'node:crypto';
import { headNode, headTick, type ChainWire } from '../../store/chain.js';
import { encode, type Value } from '../../store/codec.js';
import { NOT_GIVEN, walk } from '../../store/entry.js';
import type { PathElement } from '../../store/path.js';
import type { Store } from '../../store/store.js';

/** A write the store accepted (a client would have had its reply). */
export interface AckedWrite {
  path: PathElement[];
  key: string;
  node: string;
  tick: number;
  tock: number;
  /** Every node → tick on the entry's chain right after the write (its causal past). */
  chain: Map<string, number>;
  /** false: a deletion. */
  hasValue: boolean;
}

export class WriteLedger {
  readonly writes: AckedWrite[] = [];

  /** Writes (or, with `undefined`, deletes) `path` on `store` and records the acknowledgement. */
  write(store: Store, path: PathElement[], value: Value | undefined): AckedWrite {
    const res = value === undefined ? store.deleteValue(path, { nchain: -1 }) : store.setValue(path, value, { nchain: -1 });
    const chain = chainLinks(res.chain);
    const w: AckedWrite = { path, key: store.get(path)!.path.toString(), node: store.name, tick: chain.get(store.name)!, tock: res.tock, chain, hasValue: value !== undefined };
    this.writes.push(w);
    return w;
  }

  /** Per key, the write every node must end with: the one the conflict rule lets win. */
  winners(): Map<string, AckedWrite> {
    const out = new Map<string, AckedWrite>();
    for (const w of this.writes) {
      const cur = out.get(w.key);
      if (!cur || beats(w, cur)) out.set(w.key, w);
    }
    return out;
  }
}

function chainLinks(c: ChainWire | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (let l: ChainWire | null | undefined = c; l && typeof l.node === 'string'; l = l.prev) out.set(l.node, l.tick ?? 0);
  return out;
}

/**
 * The store's conflict rule (docs/distkv-model.md, "Applying an update"): a write whose chain
 * holds the other's head tick (or a later one) came after it; concurrent writes compare tock,
 * then head node name, then tick.
 */
export function beats(a: AckedWrite, b: AckedWrite): boolean {
  if ((a.chain.get(b.node) ?? 0) >= b.tick) return true;
  if ((b.chain.get(a.node) ?? 0) >= a.tick) return false;
  if (a.tock !== b.tock) return a.tock > b.tock;
  if (a.node !== b.node) return a.node > b.node;
  return a.tick > b.tick;
}

export interface Verdict {
  converged: boolean;
  /** Surviving acknowledged writes some live node does not hold. */
  lost: number;
  nodes: number;
  /** Entries with a value on the first live node (data tree, root included). */
  keys: number;
}

export function verdictLine(v: Verdict): string {
  return `converged ${v.converged} lost ${v.lost} nodes ${v.nodes} keys ${v.keys}`;
}

/** The verdict over the live nodes' stores (`ready`: whether each may serve clients). */
export function judge(live: readonly { store: Store; ready: boolean }[], ledger: WriteLedger): Verdict {
  let lost = 0;
  for (const w of ledger.winners().values()) if (!live.every(({ store }) => holds(store, w))) lost++;
  const first = live[0]?.store;
  let keys = 0;
  if (first) for (const [e] of walk(first.root)) if (e.value !== NOT_GIVEN) keys++;
  const digest = first ? storeDigest(first) : '';
  const converged = live.every((n) => n.ready) && live.every((n) => n.store === first || storeDigest(n.store) === digest);
  return { converged, lost, nodes: live.length, keys };
}

/** The store shows `w` as the current state of its key. */
function holds(store: Store, w: AckedWrite): boolean {
  const e = store.get(w.path);
  if (!w.hasValue) return !e || e.value === NOT_GIVEN;
  return !!e && e.value !== NOT_GIVEN && !!e.chain && headNode(e.chain).name === w.node && headTick(e.chain) === w.tick;
}

/** A hash of every entry with a value (meta tree included): path, value and chain head. */
export function storeDigest(store: Store): string {
  const h = createHash('sha256');
  for (const [e] of walk(store.root, { full: true })) {
    if (e.value === NOT_GIVEN) continue;
    h.update(e.path.toString());
    h.update(encode(e.value));
    if (e.chain) h.update(`${headNode(e.chain).name}:${headTick(e.chain)}`);
    h.update('\n');
  }
  return h.digest('hex');
}

/**
 * Cheap precondition of convergence (no tree walk): every live node ready, nothing missing, and
 * all agree on every node's highest tick.
 */
export function ticksAgree(live: readonly { store: Store; ready: boolean }[]): boolean {
  let sig: string | undefined;
  for (const { store, ready } of live) {
    if (!ready) return false;
    const parts: string[] = [];
    for (const n of store.nodes()) {
      if (!n.missing().isEmpty) return false;
      if (n.tick) parts.push(`${n.name}:${n.tick}`);
    }
    const s = parts.sort().join(',');
    if (sig === undefined) sig = s;
    else if (s !== sig) return false;
  }
  return true;
}

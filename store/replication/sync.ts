// Initial sync of a server without data (reference §2.7, python `fetch_data` + `do_send_missing`):
// copy a good node's tree, meta tree and tick table over the client protocol, then ask the
// network for whatever that node lacked, and only then become ready.
//
// The client-protocol conversation (`get_tree {path: (), nchain: -1}`, `get_tree_internal`,
// `get_state {nodes, known, deleted}`) is behind `SyncSession`, so the replica does not depend on
// the client library: lib/ supplies a TCP one, tests an in-process one (`storeSyncSession`).
import { type Clock, type Logger, type Random, SubLogger, sleep } from '../../gossip/runtime.js';
import { DecodeError } from '../../gossip/decode-error.js';
import { entryToWire } from '../entry.js';
import type { NodeName } from '../node-ticks.js';
import { RangeSet, type RangeWireItem } from '../range-set.js';
import type { Store } from '../store.js';
import { encode, type Value } from '../codec.js';
import { keepHeldDeletions } from './held-deletions.js';
import { ticksReply, wantFromWire } from './pull.js';

/** One client connection to a peer, as far as the sync needs it. */
export interface SyncSession {
  /** get_tree {path: (), nchain: -1}: records with full paths (the session undoes PathShortener). */
  tree(): AsyncIterable<unknown>;
  /** get_tree_internal {path: (), nchain: -1}: meta-tree records, full paths (leading null). */
  treeInternal(): AsyncIterable<unknown>;
  /** get_state {nodes, known, deleted}. */
  state(): Promise<unknown>;
  /**
   * check_deleted {nodes: {node: ticks}} (python `resync_deleted`): the peer broadcasts
   * `info {deleted}` for the ticks it holds on no entry. Optional: without it we cannot resync.
   */
  checkDeleted?(nodes: Record<NodeName, RangeWireItem[]>): Promise<void>;
  /**
   * get_value {node, tick, nchain}: the reply map (`value` when the entry has one, `path`, and
   * the chain when `nchain` ≠ 0, default 0). Big values; the pull from Python peers (pull.ts).
   */
  getValue?(node: NodeName, tick: number, nchain?: number): Promise<unknown>;
  /**
   * get_ticks {nodes: {node: ranges}} (ours only, pull.ts `ticksReply`): the entries holding
   * those ticks (whole chain and path), then one `{known, deleted}` record. Optional: without it
   * the pull falls back to getValue per tick.
   */
  getTicks?(nodes: Record<NodeName, RangeWireItem[]>): AsyncIterable<unknown>;
  close(): void;
}

/** Opens a session to a peer's client port; rejects when it cannot. */
export type SyncConnector = (peer: { name: NodeName; host: string; port: number }) => Promise<SyncSession>;

/**
 * A session on another store in this process (simulator, tests); `checkDeleted` is the peer
 * server's check_deleted command (Replica.checkDeleted), when given. `meter` is told the bytes
 * the same conversation would cost over the client protocol (the msgpack of each request and
 * reply, plus `SESSION_OPEN_BYTES` for the greeting), for benchmarks.
 */
export function storeSyncSession(peer: Store, checkDeleted?: (nodes: Map<NodeName, RangeSet>) => void, meter?: (bytes: number) => void): SyncSession {
  const count = meter ? (msg: unknown) => meter(encode({ seq: 1, ...(msg as object) } as Value).length) : undefined;
  meter?.(SESSION_OPEN_BYTES);
  return {
    async getValue(node, tick, nchain = 0) {
      count?.({ action: 'get_value', node, tick, nchain });
      const r = entryToWire(peer.entryForTick(node, tick), nchain, 0);
      count?.(r);
      return r;
    },
    async *getTicks(nodes) {
      count?.({ action: 'get_ticks', nodes });
      for (const r of ticksReply(peer, wantFromWire(nodes))) {
        count?.(r);
        yield r;
      }
      count?.({ state: 'end' });
    },
    async checkDeleted(nodes) {
      if (!checkDeleted) throw new Error('check_deleted not supported');
      count?.({ action: 'check_deleted', nodes });
      checkDeleted(wantFromWire(nodes));
    },
    async *tree() {
      for (const [e] of peer.iterate([])) {
        const r = entryToWire(e, -1);
        count?.(r);
        yield r;
      }
    },
    async *treeInternal() {
      for (const [e] of peer.iterate([null])) {
        const r = entryToWire(e, -1);
        count?.(r);
        yield r;
      }
    },
    async state() {
      const r = peer.getState({ nodes: true, known: true, deleted: true });
      count?.(r);
      return r;
    },
    close() {},
  };
}

/** What opening a client session costs on the wire besides the requests (the greeting, ~). */
export const SESSION_OPEN_BYTES = 64;

export interface SyncHost {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly stopped: boolean;
  /** Seconds. */
  gap(): number;
  /** Seconds (the actor's cycle); bounds how long we wait for our own lost ticks. */
  cycle?(): number;
  connect?: SyncConnector;
  hostPort(name: NodeName): [string, number];
  seenMissing(node: NodeName): RangeSet | undefined;
  clearSeen(): void;
  sendInfo(msg: Record<string, unknown>): void;
  /** Called once the store is synced (tick 0 if it was null). */
  becomeReady(): void;
  /** python `--force`: ready without waiting for missing ticks. */
  readonly force: boolean;
  /** Fetch what we lack from peers before asking by broadcast (replica: pull.ts). */
  pull?(): Promise<void>;
}

/** python `fetch_data`; returns true when a node was copied. */
export async function fetchData(h: SyncHost, nodes: readonly NodeName[]): Promise<boolean> {
  const log = new SubLogger(h.logger, 'replica');
  if (!h.connect) {
    log.warn('no sync connector: cannot fetch initial data', { nodes });
    return false;
  }
  for (const name of nodes) {
    if (name === h.store.name || h.stopped) continue;
    const [host, port] = h.hostPort(name);
    let s: SyncSession | undefined;
    try {
      s = await h.connect({ name, host, port });
      let bad = 0;
      for (const tree of [s.tree(), s.treeInternal()])
        for await (const r of tree) {
          try {
            h.store.applyUpdate(r, 'remote');
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
            bad++;
          }
        }
      // get_tree leaves tombstones out and get_state lists their ticks as deleted: those stay
      // missing here, so we fetch the tombstones before we are ready (held-deletions.ts)
      h.store.applyInfo(keepHeldDeletions(h.store, (await s.state()) as Value, { fromState: true }), { broadcast: false });
      if (bad) log.warn('sync: refused records', { from: name, bad });
    } catch (e) {
      log.warn('sync: unable to fetch', { from: name, host, port, error: String(e) });
      continue;
    } finally {
      s?.close();
    }
    log.info('sync: copied', { from: name });
    const missing = [...h.store.nodes()].filter((n) => n.tick && !n.missing().isEmpty);
    if (missing.length && !h.force) await sendMissingUntilDone(h, new Set(missing.map((n) => n.name)));
    h.becomeReady();
    return true;
  }
  return false;
}

/**
 * python `do_send_missing`: ask for what is missing (growing delays) until nothing is.
 *
 * Unlike python, ticks of our OWN name are given up after 3 cycles (time for peers to re-send):
 * they were written by an earlier incarnation of this server (restarted empty), and when no
 * peer answered for them, nobody holds them (python keeps a tick missing when it arrives after
 * the event that superseded it, and only the writer would answer `known`). We never re-issue
 * them (our tick continues above), so they count as superseded: the sync ends, and peers that
 * still ask for them get `known` from us. Python waits forever there (kill -9 + restart
 * interop test). The 3 cycles count from the last of our own ticks that did arrive: peers
 * re-send a few entries per round, and a tick given up too early is refused when it comes
 * (superseded ticks stay dead) while the peers keep its value — the partition property found
 * exactly that (a crashed writer restarted empty, its first write re-sent last).
 */
async function sendMissingUntilDone(h: SyncHost, fetchMissing: Set<NodeName>): Promise<void> {
  let clock = h.gap() * 1000;
  const patience = 3 * (h.cycle?.() ?? 5 * h.gap()) * 1000;
  let giveUpOwnAt = h.clock.now() + patience;
  let ownMissing = h.store.knownNode(h.store.name)?.missing().count() ?? 0;
  while (fetchMissing.size && !h.stopped) {
    clock *= h.random.next() / 2 + 1;
    await sleep(h.clock, clock);
    if (h.pull && !h.stopped) await h.pull();
    const own = fetchMissing.has(h.store.name) ? h.store.knownNode(h.store.name) : undefined;
    const left = own?.missing().count() ?? 0;
    if (left < ownMissing) giveUpOwnAt = h.clock.now() + patience; // still arriving
    ownMissing = left;
    if (own && h.clock.now() >= giveUpOwnAt) {
      const lost = own.missing();
      new SubLogger(h.logger, 'replica').warn('sync: ticks of our own name nobody holds count as superseded', { ticks: lost.toWire() });
      own.reportSuperseded(lost, true);
    }
    const msg: Record<NodeName, unknown> = {};
    let any = false;
    for (const name of [...fetchMissing]) {
      const n = h.store.knownNode(name);
      const m = n ? n.missing() : undefined;
      if (!m || m.isEmpty) {
        fetchMissing.delete(name);
        continue;
      }
      const mr = h.seenMissing(name);
      if (mr) m.removeSet(mr);
      if (m.isEmpty) continue;
      msg[name] = m.toWire();
      any = true;
    }
    h.clearSeen();
    if (!fetchMissing.size) break;
    // others asked for it this round; python waits for the next one
    if (any) h.sendInfo({ missing: msg });
  }
}

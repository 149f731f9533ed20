// Pull-based repair between our servers: before a server broadcasts `info {missing}` (routine gap
// repair, recover_split's step 2), it fetches what it lacks point-to-point over a peer session,
// and only asks the network for what no peer handed over. Python's way (reference §2.5/§2.6) is
// a broadcast question answered by broadcast re-sends from every holder, each gossiped to every
// node several times: a 50/50 heal of 100 nodes cost ~30× the bytes of the missing entries.
//
// Whom we ask, in rounds, stopping when nothing is left:
// 1. one writer of the missing ticks, at random, for everything: after a split, a writer on the
//    other side holds that side's whole data, and the random pick spreads the pullers over the
//    other side's writers;
// 2. each remaining writer for its own ticks (a few at a time);
// 3. one other live peer of ours, at random, for whatever is still left.
// Writers are asked even when Serf counts them as failed: right after a heal the other side's
// ticks arrive before its members are alive again, and those are the servers that hold them.
// Peers of ours answer `get_ticks {nodes}` (one stream for all ranges, lib/client-protocol);
// Python servers only `get_value {node, tick, nchain: -1}`, one tick at a time (bounded per
// round). A record is applied like a re-sent update (Store.applyUpdate, same rules) and only if
// its chain holds a tick we asked for; a `known` answer like a holder's `info {known}`. A peer
// that could not be reached is skipped for a while.
import { type Clock, type Logger, type Random, SubLogger } from '../../gossip/runtime.js';
import { DecodeError } from '../../gossip/decode-error.js';
import { chainFromWire, get, has, isMap, links } from '../chain.js';
import type { NodeName } from '../node-ticks.js';
import { RangeSet, type RangeWireItem } from '../range-set.js';
import type { Store } from '../store.js';
import { entryToWire } from '../entry.js';
import type { SyncConnector, SyncSession } from './sync.js';

/** A server other than us; `ours` = it answers `get_ticks`; `alive` = as its Serf member is. */
export interface PullPeer {
  name: NodeName;
  ours: boolean;
  /** Default true. A failed member is still asked as a writer (a heal is seen late), not as "another peer". */
  alive?: boolean;
}

/** node → ticks. */
export type TickWant = Map<NodeName, RangeSet>;

export interface PullHost {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly stopped: boolean;
  connect?: SyncConnector;
  hostPort(name: NodeName): [string, number];
  /** Known servers (Serf members that did not leave), us excluded or not. */
  peers(): PullPeer[];
  /** After each applied batch (the replica refreshes its actor value). */
  changed?(): void;
}

export interface PullOptions {
  /** get_value requests per Python peer and pull (default 64). */
  perTickLimit?: number;
  /** Writers asked at once in round 2 (default 4) and per pull (default 16). */
  parallel?: number;
  maxWriters?: number;
  /** ms a peer we could not reach is left out (default 5 s; a real connect times out after 5 s). */
  unreachableMs?: number;
}

/** What the store lacks now (python `local_missing` of every node with a tick). */
export function missingNow(store: Store): TickWant {
  const out: TickWant = new Map();
  for (const n of store.nodes()) {
    if (!n.tick) continue;
    const m = n.missing();
    if (!m.isEmpty) out.set(n.name, m);
  }
  return out;
}

/** `want` cut to what the store still lacks. */
export function stillMissing(store: Store, want: TickWant): TickWant {
  const out: TickWant = new Map();
  for (const [name, r] of want) {
    const n = store.knownNode(name);
    if (!n) continue;
    const m = r.intersection(n.missing());
    if (!m.isEmpty) out.set(name, m);
  }
  return out;
}

export function wantToWire(want: TickWant): Record<NodeName, RangeWireItem[]> {
  const out: Record<NodeName, RangeWireItem[]> = {};
  for (const [n, r] of want) out[n] = r.toWire();
  return out;
}

/** Does the record's chain hold one of the ticks we asked for? (DecodeError on a bad chain) */
export function answersWant(rec: unknown, want: TickWant): boolean {
  if (!isMap(rec)) return false;
  const chain = chainFromWire(get(rec, 'chain'), (name) => ({ name }), 'get_ticks record chain');
  for (const [n, t] of links(chain)) if (want.get(n.name)?.has(t)) return true;
  return false;
}

/** A `{known}` answer cut to the ticks we asked for (DecodeError on bad ranges); a `deleted` is ignored (see ticksReply). */
export function infoWithin(rec: unknown, want: TickWant): { known?: Record<NodeName, RangeWireItem[]> } {
  const m = isMap(rec) ? get(rec, 'known') : undefined;
  if (m === undefined || m === null) return {};
  const known: TickWant = new Map();
  for (const [n, r] of wantFromWire(m, 'get_ticks known')) {
    const within = r.intersection(want.get(n) ?? new RangeSet());
    if (!within.isEmpty) known.set(n, within);
  }
  return known.size ? { known: wantToWire(known) } : {};
}

export class Puller {
  readonly stats = { pulls: 0, sessions: 0, applied: 0, records: 0, refused: 0, failed: 0, byRound: [0, 0, 0] };
  private readonly log: SubLogger;
  private readonly unreachable = new Map<NodeName, number>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: PullHost,
    private readonly opts: PullOptions = {},
  ) {
    this.log = new SubLogger(host.logger, 'replica');
  }

  get enabled(): boolean {
    return this.host.connect !== undefined;
  }

  /** Members joined (a heal): peers we could not reach may be back. */
  reachableAgain(): void {
    this.unreachable.clear();
  }

  /** Fetches what of `want` the store still lacks; pulls run one after the other. */
  pull(want: TickWant): Promise<void> {
    const run = this.queue.then(() => this.run(want));
    this.queue = run.catch((e) => this.log.error('pull failed', { error: String(e) }));
    return this.queue;
  }

  private async run(want: TickWant): Promise<void> {
    const h = this.host;
    if (!h.connect || h.stopped) return;
    let left = stillMissing(h.store, want);
    if (!left.size) return;
    this.stats.pulls++;
    const now = h.clock.now();
    const peers = new Map<NodeName, PullPeer>();
    for (const p of h.peers()) if (p.name !== h.store.name && !((this.unreachable.get(p.name) ?? 0) > now)) peers.set(p.name, p);
    const tried = new Set<NodeName>();
    // 1: one writer of ours, for everything
    const writers = [...left.keys()].filter((n) => peers.get(n)?.ours);
    if (writers.length) {
      await this.ask(peers.get(writers[h.random.int(writers.length)]!)!, left, tried, 0);
      left = stillMissing(h.store, left);
    }
    // 2: each writer for its own ticks
    // a writer that is no Serf member by that name may still be a server: a Python one runs on a
    // Serf agent of another name, and the hostmap says where its client port is
    const asPeer = (n: NodeName): PullPeer => peers.get(n) ?? { name: n, ours: false };
    const own = h.random
      .shuffle([...left.keys()].filter((n) => n !== h.store.name && !tried.has(n) && !((this.unreachable.get(n) ?? 0) > now)))
      .slice(0, this.opts.maxWriters ?? 16);
    const parallel = this.opts.parallel ?? 4;
    for (let i = 0; i < own.length && !h.stopped; i += parallel)
      await Promise.all(
        own.slice(i, i + parallel).map((n) => {
          const r = stillMissing(h.store, new Map([[n, left.get(n)!]]));
          return r.size ? this.ask(asPeer(n), r, tried, 1) : undefined;
        }),
      );
    left = stillMissing(h.store, left);
    // 3: somebody else of ours
    const others = [...peers.values()].filter((p) => p.ours && p.alive !== false && !tried.has(p.name));
    if (left.size && others.length && !h.stopped) await this.ask(others[h.random.int(others.length)]!, left, tried, 2);
  }

  private async ask(peer: PullPeer, want: TickWant, tried: Set<NodeName>, round: number): Promise<void> {
    const h = this.host;
    tried.add(peer.name);
    const [host, port] = h.hostPort(peer.name);
    let s: SyncSession;
    try {
      s = await h.connect!({ name: peer.name, host, port });
    } catch (e) {
      this.stats.failed++;
      this.unreachable.set(peer.name, h.clock.now() + (this.opts.unreachableMs ?? 5_000));
      this.log.debug('pull: unable to reach', { node: peer.name, error: String(e) });
      return;
    }
    this.stats.sessions++;
    this.stats.byRound[round]!++;
    try {
      if (peer.ours && s.getTicks) {
        for await (const rec of s.getTicks(wantToWire(want))) {
          if (h.stopped) return;
          this.take(rec, want);
        }
      } else if (s.getValue) await this.perTick(s, want);
    } catch (e) {
      this.stats.failed++;
      this.log.debug('pull: session failed', { node: peer.name, error: String(e) });
    } finally {
      s.close();
      h.changed?.();
    }
  }

  /** Python peers: get_value per tick (a tick the peer does not hold is an error reply). */
  private async perTick(s: SyncSession, want: TickWant): Promise<void> {
    let budget = this.opts.perTickLimit ?? 64;
    for (const [node, r] of want)
      for (const t of r.ticks()) {
        if (budget-- <= 0 || this.host.stopped) return;
        if (!want.get(node)!.has(t) || !stillMissing(this.host.store, new Map([[node, RangeSet.of(t)]])).size) continue;
        let rec: unknown;
        try {
          rec = await s.getValue!(node, t, -1);
        } catch {
          continue;
        }
        this.take(rec, want);
      }
  }

  /** One answer record: an entry (applied if it holds a tick we asked for) or `{known}`. */
  private take(rec: unknown, want: TickWant): void {
    const store = this.host.store;
    this.stats.records++;
    try {
      if (isMap(rec) && has(rec, 'path')) {
        if (!answersWant(rec, want)) {
          this.stats.refused++;
          return;
        }
        if (store.applyUpdate(rec, 'remote') === 'applied') this.stats.applied++;
        return;
      }
      const info = infoWithin(rec, want);
      if (Object.keys(info).length) store.applyInfo(info, { broadcast: true });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.stats.refused++;
      this.log.debug('pull: bad record', { error: e.message });
    }
  }
}

/**
 * The holder's side of `get_ticks {nodes}`: every entry holding one of the ticks (whole chain,
 * whole path; an entry once even when it holds several), then one `{known}` record for the asked
 * ticks that are gone for good here. No `deleted`: python's re-send round closes with
 * `info {deleted}`, and a receiver purges the tombstone it was just sent — then an older value
 * that arrives later for that path comes back (the split property found it with the pull on).
 * The tombstone itself says "deleted". Ticks we never heard of are left out: the asker tries
 * elsewhere.
 */
export function* ticksReply(store: Store, want: TickWant): Generator<Record<string, unknown>> {
  const sent = new Set<unknown>();
  const known: Record<NodeName, RangeWireItem[]> = {};
  for (const [name, r] of want) {
    const n = store.knownNode(name);
    if (!n) continue;
    for (const e of store.entriesForTicks(name, r).values()) {
      if (sent.has(e)) continue;
      sent.add(e);
      yield entryToWire(e, -1) as unknown as Record<string, unknown>;
    }
    const k = r.intersection(n.superseded);
    if (!k.isEmpty) known[name] = k.toWire();
  }
  yield { known };
}

/** Decodes a `get_ticks` / `{node: ranges}` map (DecodeError on garbage). */
export function wantFromWire(nodes: unknown, what = 'nodes'): TickWant {
  if (!isMap(nodes)) throw new DecodeError(`${what} must be a map`, undefined, what);
  const out: TickWant = new Map();
  for (const [n, w] of nodes instanceof Map ? [...nodes.entries()] : Object.entries(nodes)) {
    if (typeof n !== 'string') throw new DecodeError(`${what}: a node name must be a string`, undefined, what);
    out.set(n, RangeSet.fromWire(w, `${what}.${n}`));
  }
  return out;
}

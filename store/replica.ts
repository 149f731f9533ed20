// A DistKV server's replication: Store + an EventBus (Serf user events) + the runtime seams,
// speaking DistKV 0.57.4's server protocol (reference §2): `<root>.update|info|ping|del`, split
// messages, the housekeeper actor, gap repair, partition heal, initial sync, readiness.
// The pieces live in store/replication/; this file wires them (python `Server.serve`,
// `monitor`, `user_update`, `user_info`, `_pinger`, `watcher`). See docs/replication.md.
import { DecodeError } from '../gossip/decode-error.js';
import { type Clock, type Logger, type Random, SubLogger, type Timer, sleep } from '../gossip/runtime.js';
import { Actor, type ActorConfig, type ActorEvent, type ActorMessage } from './actor/index.js';
import { decode, encode, type Value } from './codec.js';
import type { NodeName } from './node-ticks.js';
import type { RangeSet } from './range-set.js';
import type { Store } from './store.js';
import { updateToWire } from './update-wire.js';
import type { EventBus } from './replication/bus.js';
import { GapRepair, type GapRepairOptions } from './replication/gap-repair.js';
import { hostPortOf, type HostPortConfig } from './replication/host-port.js';
import { DEFAULT_ROOT, type Action, actionOf, field, fillMessage, topic } from './replication/messages.js';
import { RecoverControl, recoverSplit } from './replication/recovery.js';
import { DEFAULT_REASSEMBLY, Reassembler, type ReassemblyLimits, Splitter } from './replication/split.js';
import { fetchData, type SyncConnector } from './replication/sync.js';
import { AwaitedPurges, keepHeldDeletions } from './replication/held-deletions.js';
import { TickAnnouncer } from './replication/tick-announcer.js';
import { missingNow, type PullOptions, type PullPeer, Puller, stillMissing, type TickWant } from './replication/pull.js';

/**
 * A pull that left ticks missing is tried again this many times (gap/2 · 2, 4, 8 later): right
 * after a heal the ticks arrive by gossip before every holder is reachable or known alive, and
 * otherwise only the routine ask (3 cycles) would try again.
 */
const PULL_RETRIES = 3;
import { DELETE_ACTOR_CONFIG, DELETE_BATCH_MS, DeleteGc } from './replication/deleter.js';
import { DEFAULT_BIG_VALUE_BYTES, noticeOf, packedSizeWith, parseNotice, type ParsedNotice, valueMatches } from './replication/big-values.js';
import { type Entry, NOT_GIVEN } from './entry.js';
import { headNode, headTick } from './chain.js';

export interface ReplicaOptions {
  store: Store;
  bus: EventBus;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** python `server.root` (default ":distkv"). */
  root?: string;
  /** python `server.ping` cycle/gap, seconds (default 10 / 2). */
  ping?: { cycle?: number; gap?: number };
  /** python `server.delete` actor config (default cycle 100 s, gap 10 s, version 1; ours adds force_in). */
  deletePing?: Partial<ActorConfig>;
  /** python `server.change.length`: chain links in broadcast updates (default 5). */
  changeLength?: number;
  /** python `server -I VALUE`: seed the root (tick 1) and be ready at once. */
  init?: Value;
  /** The store already holds our state (loaded from a file): ready at once. */
  loaded?: boolean;
  /** python `--force`: after a sync, do not wait for missing ticks. */
  force?: boolean;
  hostPort?: HostPortConfig;
  connect?: SyncConnector;
  gapRepair?: GapRepairOptions;
  reassembly?: ReassemblyLimits;
  /** First split-message counter (default: random, so a restart does not re-use python's 1, 2…). */
  firstSeq?: number;
  /**
   * Big values between our own servers (replication/big-values.ts): when `peersAreOurs()` says
   * every server in the cluster is ours, an update packed above `thresholdBytes` (8 KiB) goes out
   * as a notice and peers fetch the value over `connect`. Absent = always python's way.
   */
  bigValues?: { peersAreOurs: () => boolean; thresholdBytes?: number };
  /**
   * The live servers of the cluster, `ours` when they answer `get_ticks` (lib/: Serf members
   * with our `dkv-client` tag, bus.ts serfPeers). With it and `connect`, missing ticks are first
   * pulled from peers (replication/pull.ts) and only the rest is asked for by broadcast.
   * Absent = python's way only.
   */
  peers?: () => PullPeer[];
  pull?: PullOptions;
  /** Actor option (default true); false = exactly asyncactor. */
  fixCrossedPings?: boolean;
  /**
   * ms over which the ping actor spreads its start-up `vers` (default one cycle; 0 = python:
   * with `init`, at once). See store/actor/actor.ts `announceWithin`.
   */
  announceWithin?: number;
}

export interface ReplicaStats {
  /** Big values announced by notice / fetched after a notice. */
  notices: number;
  bigFetched: number;
  sent: number;
  received: number;
  bad: number;
  refused: number;
  applied: number;
}

export class Replica {
  readonly store: Store;
  readonly root: string;
  readonly actor: Actor;
  readonly delActor: Actor;
  readonly gapRepair: GapRepair;
  readonly deleteGc: DeleteGc;
  readonly reassembler: Reassembler;
  readonly puller: Puller;
  readonly ticks = new TickAnnouncer();
  readonly stats: ReplicaStats = { notices: 0, bigFetched: 0, sent: 0, received: 0, bad: 0, refused: 0, applied: 0 };
  private readonly opts: ReplicaOptions;
  private readonly log: SubLogger;
  private readonly splitter: Splitter;
  private readonly recoverTasks = new Map<NodeName, RecoverControl>();
  private readonly unsub: (() => void)[] = [];
  private readyFlag = false;
  private readyWaiters: (() => void)[] = [];
  private fetching = false;
  private readonly fetchingBig = new Set<string>();
  /** Big values re-sent by gap repair: `tick:node` → times (alternates notice and parts). */
  private readonly bigResends = new Map<string, number>();
  /** check_deleted answers we asked for: the only `info {deleted}` that purges tombstones. */
  private readonly awaitedPurges = new AwaitedPurges();
  private isStopped = false;
  private started = false;
  private pullTimer: Timer | undefined;
  private pullAgain = false;

  constructor(opts: ReplicaOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.root = opts.root ?? DEFAULT_ROOT;
    this.log = new SubLogger(opts.logger, 'replica');
    const rnd = opts.random;
    this.splitter = new Splitter(this.store.name, topic(this.root, 'update'), opts.firstSeq ?? 1 + rnd.fork('split-seq').int(1 << 20));
    this.reassembler = new Reassembler(opts.clock, opts.reassembly ?? DEFAULT_REASSEMBLY);
    const cfg = { cycle: opts.ping?.cycle ?? 10, gap: opts.ping?.gap ?? 2 };
    this.actor = new Actor({
      name: this.store.name,
      clock: opts.clock,
      random: rnd.fork('actor:ping'),
      config: cfg,
      sendRaw: true,
      // a thousand servers started together: one vers, mostly (actor.ts)
      announceWithin: opts.announceWithin ?? cfg.cycle * 1000,
      transport: this.actorTransport('ping'),
      logger: opts.logger,
      ...(opts.fixCrossedPings !== undefined ? { fixCrossedPings: opts.fixCrossedPings } : {}),
    });
    this.delActor = new Actor({
      name: this.store.name,
      clock: opts.clock,
      random: rnd.fork('actor:del'),
      config: { ...DELETE_ACTOR_CONFIG, ...(opts.deletePing ?? {}) },
      enabled: false,
      transport: this.actorTransport('del'),
      logger: opts.logger,
    });
    const self = this;
    this.gapRepair = new GapRepair(
      {
        store: this.store,
        clock: opts.clock,
        random: this.actor.random,
        logger: opts.logger,
        cycle: () => this.actor.config.cycle,
        gap: () => this.actor.config.gap,
        send: (a, m) => this.send(a, m),
        resendBig: (e, nchain) => this.resendBig(e, nchain),
        get stopped() {
          return self.isStopped;
        },
      },
      opts.gapRepair,
    );
    this.puller = new Puller(
      {
        store: this.store,
        clock: opts.clock,
        random: rnd.fork('pull'),
        logger: opts.logger,
        get stopped() {
          return self.isStopped;
        },
        ...(opts.connect && opts.peers ? { connect: opts.connect } : {}),
        hostPort: (n) => hostPortOf(this.store, n, this.opts.hostPort ?? {}),
        peers: () => opts.peers?.() ?? [],
        changed: () => this.refreshValue(),
      },
      opts.pull,
    );
    this.deleteGc = new DeleteGc({
      store: this.store,
      clock: opts.clock,
      logger: opts.logger,
      actor: this.delActor,
      resyncDeleted: (nodes) => void this.resyncDeleted(nodes),
    });
  }

  /** Starts listening, seeds or waits for data, starts both actors (python `serve`). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const store = this.store;
    // python's root always has the meta subtree (None,); peers syncing from us ask for
    // get_tree_internal on it, which must not fail on a server that never wrote meta data
    store.follow([null]);
    if (this.opts.init !== undefined) {
      // python sets the root before its watcher runs: the seed is not broadcast
      store.markReady();
      store.setValue([], this.opts.init);
    }
    this.unsub.push(this.opts.bus.onEvent((name, payload) => this.onEvent(name, payload)));
    const joined = this.opts.bus.onMembersJoined?.(() => {
      this.ticks.forget();
      this.puller.reachableAgain();
    });
    if (joined) this.unsub.push(joined);
    this.unsub.push(
      store.onChange((ev) => {
        if (ev.origin !== 'local' || store.tick === null) return;
        const msg = updateToWire(ev.chain, ev.entry.path, ev.value, ev.tock, this.opts.changeLength ?? 5) as unknown as Record<string, unknown>;
        if (!this.sendNotice(msg)) this.send('update', msg);
        this.refreshValue();
      }),
    );
    this.unsub.push(
      store.onChange((ev) => {
        const p = ev.entry.path;
        if (p.length === 3 && p.elements[0] === null && p.elements[1] === 'actor' && p.elements[2] === 'del')
          this.deleteGc.groupChanged(ev.value === NOT_GIVEN ? undefined : ev.value);
      }),
    );
    this.actor.on((e) => this.onActorEvent(e));
    this.delActor.on((e) => this.deleteGc.onEvent(e));
    // the delete actor starts once a group exists (deleter.ts)
    const group = store.get([null, 'actor', 'del']);
    if (group && group.value !== NOT_GIVEN) this.deleteGc.groupChanged(group.value);
    const collect = () => {
      if (this.isStopped) return;
      this.deleteGc.collect();
      this.opts.clock.setTimer(DELETE_BATCH_MS, collect);
    };
    this.opts.clock.setTimer(DELETE_BATCH_MS, collect);
    // python asks for missing ticks only when "it"; a node that never gets onto the ping chain
    // (n_hosts makes that slow in small clusters) would never ask. Ask every 3 cycles as well;
    // seen_missing keeps this quiet when somebody asked for the same ranges recently.
    const ask = () => {
      if (this.isStopped) return;
      if (this.readyFlag) {
        this.announceTicks(this.actor.config.cycle * 1000);
        this.askMissing();
      }
      this.opts.clock.setTimer(3 * this.actor.config.cycle * 1000, ask);
    };
    this.opts.clock.setTimer(3 * this.actor.config.cycle * 1000, ask);
    this.actor.start();
    if (this.opts.init !== undefined || this.opts.loaded) this.becomeReady();
  }

  stop(): void {
    if (this.isStopped) return;
    this.isStopped = true;
    for (const u of this.unsub) u();
    this.actor.stop();
    this.delActor.stop();
    for (const t of [...this.recoverTasks.values()]) t.cancel();
    this.pullTimer?.cancel();
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  /** Synced (or seeded): serves clients, and its pings carry [tock, tick]. */
  get ready(): boolean {
    return this.readyFlag;
  }

  whenReady(): Promise<void> {
    return this.readyFlag ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  /** python `kill_node` + `drop_node`: forget a dead node and tell everybody. */
  killNode(name: NodeName): void {
    this.store.killNode(name);
    this.send('info', { node_drop: [name] });
  }

  /**
   * python `cmd_check_deleted` (the client command lib/ should route here): of the ticks a peer
   * holds as entries, broadcast those we hold on no chain as deleted.
   */
  checkDeleted(nodes: Map<NodeName, RangeSet>): void {
    const gone = this.store.checkDeleted(nodes);
    if (!gone.size) return;
    const deleted: Record<NodeName, unknown> = {};
    for (const [n, r] of gone) deleted[n] = r.toWire();
    this.send('info', { deleted });
  }

  /**
   * python `cmd_fake_info` / `cmd_fake_info_send` (the CLI's `internal mark`): an operator's info
   * message, as from node "" tick 0. Locally it is applied as sent — unlike a peer's info, a
   * `deleted` range is taken even for ticks we never held, because fixing such state is the point.
   * Broadcast, peers treat it as any info (python's way; ours keep held-deletions.ts's rule).
   */
  fakeInfo(msg: Record<string, unknown>, broadcast: boolean): void {
    const m: Record<string, unknown> = { ...msg, node: '', tick: 0 };
    if (broadcast) {
      delete m.tock;
      this.send('info', m);
      return;
    }
    const fx = this.store.applyInfo(m, { broadcast: true });
    if (fx.hadMissing && fx.missing.size) {
      for (const [n, r] of fx.missing) this.gapRepair.noteSeen(n, r);
      this.gapRepair.runSendMissing(null);
    }
    this.refreshValue();
  }

  /** python `resync_deleted`: hand our entries' head ticks to a delete-group member. */
  private async resyncDeleted(nodes: readonly NodeName[]): Promise<void> {
    const connect = this.opts.connect;
    if (!connect) return;
    for (const name of nodes) {
      if (name === this.store.name || this.isStopped) continue;
      const [host, port] = hostPortOf(this.store, name, this.opts.hostPort ?? {});
      try {
        const s = await connect({ name, host, port });
        try {
          if (!s.checkDeleted) continue;
          const heads: Record<NodeName, unknown> = {};
          const headTicks = this.store.headTicks();
          for (const [n, r] of headTicks) heads[n] = r.toWire();
          // the answer comes as a broadcast, a Serf hop or a few later
          this.awaitedPurges.expect(name, headTicks, this.opts.clock.now() + 3 * this.actor.config.cycle * 1000);
          await s.checkDeleted(heads as never);
          return;
        } finally {
          s.close();
        }
      } catch (e) {
        this.log.warn('resync_deleted: unable to reach', { node: name, error: String(e) });
      }
    }
  }

  /** python `_send_event`: fill node/tick/tock, pack (split when big), broadcast. */
  send(action: Action, msg: Record<string, unknown>): void {
    if (this.isStopped) return;
    fillMessage(this.store, msg);
    const name = topic(this.root, action);
    for (const p of this.splitter.pack(msg as Value)) {
      if (this.opts.bus.send(name, p)) this.stats.sent++;
      else this.stats.refused++;
    }
  }

  // ---- incoming ----

  private onEvent(name: string, payload: Uint8Array): void {
    if (this.isStopped) return;
    const action = actionOf(this.root, name);
    if (action !== 'update' && action !== 'info' && action !== 'notice') return; // ping/del go to the actors
    const u = this.reassembler.receive(payload);
    if (u.kind === 'partial') return;
    if (u.kind === 'dropped') {
      this.stats.bad++;
      this.log.debug('dropped message', { name, reason: u.reason });
      return;
    }
    const msg = u.msg;
    if (isFalsy(msg)) return; // python: `if not msg: continue`
    this.stats.received++;
    try {
      const tock = field(msg, 'tock');
      if (typeof tock === 'number') this.store.tockSeen(tock);
      if (action === 'update') {
        if (this.store.applyUpdate(msg, 'remote') === 'applied') this.stats.applied++;
      } else if (action === 'notice') this.onNotice(parseNotice(msg));
      else this.userInfo(msg);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.stats.bad++;
      this.log.debug('bad message', { name, error: e.message });
    }
    this.refreshValue();
  }

  /**
   * A big update goes out as a notice when every peer is ours (big-values.ts); `from` names us as
   * a second source on a re-send. False: send it python's way.
   */
  private sendNotice(msg: Record<string, unknown>, from?: NodeName): boolean {
    const big = this.opts.bigValues;
    if (!big || !('value' in msg) || !big.peersAreOurs()) return false;
    // the value is packed once: its size decides, and the notice's size and hash reuse it
    const packed = encode(msg.value as Value);
    if (packedSizeWith(msg, packed) <= (big.thresholdBytes ?? DEFAULT_BIG_VALUE_BYTES)) return false;
    this.stats.notices++;
    const n = noticeOf(msg, packed);
    if (from !== undefined) n.from = from;
    else this.log.info('big value: notice sent', { tick: this.store.tick, bytes: n.size as number });
    this.send('notice', n);
    return true;
  }

  /**
   * Gap repair of a big value: a notice, but every second request for the same tick the
   * python-style parts (an asker that cannot fetch from us still gets it).
   */
  private resendBig(e: Entry, nchain: number): boolean {
    const key = `${headTick(e.chain!)}:${headNode(e.chain!).name}`;
    const n = this.bigResends.get(key) ?? 0;
    if (this.bigResends.size > 10_000) this.bigResends.clear();
    this.bigResends.set(key, n + 1);
    if (n % 2 === 1) return false;
    return this.sendNotice(updateToWire(e.chain!, e.path, e.value, e.tock, nchain) as unknown as Record<string, unknown>, this.store.name);
  }

  /** A big value was announced: fetch it from its originator (unless we have that tick). */
  private onNotice(n: ParsedNotice): void {
    // (our own ticks too: restarted empty, we fetch our old writes back from a re-sender)
    this.log.debug('notice', { node: n.node, tick: n.tick, from: n.from });
    const node = this.store.node(n.node, n.tick);
    // like a broadcast update: another server re-sent it, ours is not needed (python `seen`)
    node.reported.remove(n.tick);
    if (node.present.has(n.tick) || node.superseded.has(n.tick)) return;
    const key = `${n.tick}:${n.node}`;
    if (this.fetchingBig.has(key) || !this.opts.connect) return;
    this.fetchingBig.add(key);
    void this.fetchBig(n)
      .catch((e) => this.log.warn('big value fetch failed', { node: n.node, tick: n.tick, error: String(e) }))
      .finally(() => this.fetchingBig.delete(key));
  }

  /** Fetches from the originator, then from the re-sender; gap repair asks again when both fail. */
  private async fetchBig(n: ParsedNotice): Promise<void> {
    let lastError: unknown;
    for (const src of new Set([n.node, n.from ?? n.node])) {
      if (src === this.store.name || this.isStopped) continue;
      try {
        if (await this.fetchBigFrom(src, n)) return;
      } catch (e) {
        lastError = e;
      }
    }
    if (lastError !== undefined) throw lastError;
  }

  private async fetchBigFrom(src: NodeName, n: ParsedNotice): Promise<boolean> {
    const [host, port] = hostPortOf(this.store, src, this.opts.hostPort ?? {});
    const s = await this.opts.connect!({ name: src, host, port });
    let reply: unknown;
    try {
      if (!s.getValue) return false;
      reply = await s.getValue(n.node, n.tick);
    } finally {
      s.close();
    }
    if (this.isStopped) return true;
    const value = field(reply, 'value');
    if (value === undefined || !valueMatches(n, value as Value)) {
      this.log.warn('big value changed or does not match its notice', { node: n.node, tick: n.tick, from: src });
      return false;
    }
    if (this.store.applyUpdate({ ...n.update, value }, 'remote') === 'applied') this.stats.applied++;
    this.stats.bigFetched++;
    this.log.info('big value: fetched', { from: src, node: n.node, tick: n.tick, bytes: n.size });
    this.refreshValue();
    return true;
  }

  /** python `user_info`. */
  private userInfo(msg: Value): void {
    const sender = field(msg, 'node');
    if (sender === this.store.name) return;
    // deletions we never saw stay missing: we fetch the tombstone instead (held-deletions.ts)
    // and tombstones stay unless the info is a check_deleted answer we asked for (AwaitedPurges)
    const purgeOnly = this.awaitedPurges.purgeOnly(sender, this.opts.clock.now());
    const fx = this.store.applyInfo(keepHeldDeletions(this.store, msg), { broadcast: true, purgeOnly });
    const ticks = field(msg, 'ticks');
    if (ticks && typeof ticks === 'object' && !(ticks instanceof Map))
      for (const [n, t] of Object.entries(ticks)) if (typeof t === 'number') this.ticks.heard(n, t, this.opts.clock.now());
    const rec = typeof sender === 'string' ? this.recoverTasks.get(sender) : undefined;
    if (fx.hadTicks) {
      rec?.set(1);
      this.schedulePull();
    }
    if (fx.hadMissing) {
      for (const [n, r] of fx.missing) this.gapRepair.noteSeen(n, r);
      rec?.set(2);
      if (fx.missing.size) this.gapRepair.runSendMissing(null);
    }
  }

  private onActorEvent(e: ActorEvent): void {
    if (this.isStopped) return;
    switch (e.type) {
      case 'raw':
        this.learnFromPing(e.msg);
        break;
      case 'tag':
        if (this.readyFlag) {
          this.announceTicks(0);
          this.askMissing();
        }
        break;
      case 'recover':
        void recoverSplit(this.recoveryHost(), e.prio, e.localNodes, e.remoteNodes).catch((err) => this.log.error('recovery failed', { error: String(err) }));
        break;
      case 'good-node':
        void this.fetch(e.nodes);
        break;
      case 'error':
        this.log.error('actor stopped', { error: String(e.error) });
        break;
      default:
        break;
    }
  }

  /** python `_pinger`'s RawMsgEvent branch: a ping's value tells the sender's tock and tick. */
  private learnFromPing(msg: unknown): void {
    let node = field(msg, 'node');
    if (node === undefined || node === null) {
      const h = field(msg, 'history');
      node = Array.isArray(h) ? h[0] : undefined;
    }
    if (typeof node !== 'string') return;
    const v = field(msg, 'value');
    if (!Array.isArray(v) || v.length !== 2) {
      if (v === null || v === undefined) this.store.node(node);
      return;
    }
    const [tock, tick] = v as unknown[];
    if (typeof tock !== 'number' || !Number.isSafeInteger(tock)) return;
    if (tick !== null && (typeof tick !== 'number' || !Number.isSafeInteger(tick) || tick < 0)) return;
    this.store.tockSeen(tock);
    const n = this.store.node(node, tick as number | null);
    n.tock = tock;
    this.ticks.heard(node, tick as number | null, this.opts.clock.now());
    this.refreshValue();
  }

  /**
   * `info {ticks}` for the ticks the cluster may not have heard (tick-announcer.ts); while a
   * recovery of ours runs, the whole table, as its step 1 would send.
   */
  private announceTicks(minAgeMs: number): void {
    const all = this.recoverTasks.size > 0;
    const due = this.ticks.due(this.store, this.opts.clock.now(), this.actor.config.cycle * 1000, { all, minAgeMs });
    if (Object.keys(due).length) this.send('info', { ticks: due });
  }

  /** ms between noticing missing ticks and pulling them: what is under way by gossip arrives. */
  private settleMs(): number {
    return (this.actor.config.gap * 1000) / 2;
  }

  /** What we lack (and still lack after the settle delay), pulled from peers (pull.ts); returns what was asked. */
  private async pullMissing(want = missingNow(this.store)): Promise<TickWant> {
    if (!this.puller.enabled || !want.size) return want;
    await sleep(this.opts.clock, this.settleMs());
    if (!this.isStopped) await this.puller.pull(want);
    return want;
  }

  /** Routine gap repair's question (python `_send_missing`), after a pull of what peers hold. */
  private askMissing(): void {
    const before = missingNow(this.store);
    if (!this.puller.enabled || !before.size) {
      this.gapRepair.sendMissing();
      return;
    }
    // only what was missing before the pull: what went missing since is mostly still under way
    void this.pullMissing(before).then((want) => {
      if (!this.isStopped) this.gapRepair.sendMissing(false, want);
    });
  }

  /**
   * New ticks heard of (`info {ticks}`: a recovery's step 1, a tick announcement): pull what of
   * them is still missing a gap later. Not on pings: a ping often outruns the update it counts
   * (a burst of writes queues in Serf), and the routine ask covers what gossip lost.
   */
  private schedulePull(retry = 0): void {
    if (!this.puller.enabled || !this.readyFlag || this.isStopped) return;
    if (this.pullTimer) {
      this.pullAgain = true;
      return;
    }
    const want = missingNow(this.store);
    if (!want.size) return;
    this.pullTimer = this.opts.clock.setTimer(this.settleMs() * 2 ** retry, () => {
      void this.puller.pull(want).finally(() => {
        this.pullTimer = undefined;
        if (this.pullAgain) {
          this.pullAgain = false;
          this.schedulePull();
        } else if (retry < PULL_RETRIES && stillMissing(this.store, want).size) this.schedulePull(retry + 1);
      });
    });
  }

  /** python `_set_tock`: the actor's value is [tock, tick] once ready, null before. */
  private refreshValue(): void {
    if (this.readyFlag && this.store.tick !== null) this.actor.setValue([this.store.currentTock, this.store.tick]);
  }

  private becomeReady(): void {
    this.store.markReady();
    if (this.readyFlag) return;
    this.readyFlag = true;
    this.refreshValue();
    this.log.info('ready', { tick: this.store.tick });
    for (const w of this.readyWaiters.splice(0)) w();
  }

  private async fetch(nodes: readonly NodeName[]): Promise<void> {
    if (this.fetching || this.readyFlag) return;
    this.fetching = true;
    const self = this;
    try {
      await fetchData(
        {
          store: this.store,
          clock: this.opts.clock,
          random: this.actor.random,
          logger: this.opts.logger,
          get stopped() {
            return self.isStopped;
          },
          gap: () => this.actor.config.gap,
          cycle: () => this.actor.config.cycle,
          ...(this.opts.connect ? { connect: this.opts.connect } : {}),
          hostPort: (n) => hostPortOf(this.store, n, this.opts.hostPort ?? {}),
          seenMissing: (n): RangeSet | undefined => this.gapRepair.seenMissing(n),
          clearSeen: () => this.gapRepair.clearSeen(),
          sendInfo: (m) => this.send('info', m),
          becomeReady: () => this.becomeReady(),
          force: this.opts.force ?? false,
          ...(this.puller.enabled ? { pull: () => this.puller.pull(missingNow(this.store)) } : {}),
        },
        nodes,
      );
    } catch (e) {
      this.log.error('sync failed', { error: String(e) });
    } finally {
      this.fetching = false;
    }
  }

  private recoveryHost() {
    const self = this;
    return {
      clock: this.opts.clock,
      tasks: this.recoverTasks,
      get stopped() {
        return self.isStopped;
      },
      cycle: () => this.actor.config.cycle,
      sendTicks: () => {
        const ticks: Record<NodeName, number | null> = {};
        for (const n of this.store.nodes()) ticks[n.name] = n.tick;
        const msg: Record<string, unknown> = { ticks };
        if (this.store.nodeDrop.size) msg.node_drop = [...this.store.nodeDrop];
        this.send('info', msg);
      },
      sendMissing: (force: boolean) => this.gapRepair.sendMissing(force),
      // pull first only when every server is ours: a python server of our side would take our
      // (then empty) forced `info {missing}` as its own step 2 and not ask for what it lacks
      pullFirst: this.puller.enabled && this.opts.peers ? async () => void (this.opts.peers!().every((p) => p.ours) && (await this.pullMissing())) : undefined,
      runSendMissing: (prio: number) => this.gapRepair.runSendMissing(prio),
      clearSeen: () => this.gapRepair.clearSeen(),
    };
  }

  private actorTransport(action: 'ping' | 'del') {
    const name = topic(this.root, action);
    let handler: (p: unknown) => void = () => {};
    this.unsub.push(
      this.opts.bus.onEvent((n, payload) => {
        if (n !== name || this.isStopped) return;
        let msg: unknown;
        try {
          msg = decode(payload, `${action} message`);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          this.stats.bad++;
          return;
        }
        handler(msg);
      }),
    );
    return {
      send: (msg: ActorMessage) => {
        if (!this.opts.bus.send(name, encode(msg as unknown as Value))) this.stats.refused++;
      },
      onMessage: (h: (p: unknown) => void) => void (handler = h),
    };
  }
}

/** Python truthiness of a decoded message (None, False, 0, "", b"", () and {} are falsy). */
function isFalsy(v: Value): boolean {
  if (v === null || v === false || v === 0 || v === '') return true;
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  if (typeof v === 'object' && Object.getPrototypeOf(v) !== null && Object.getPrototypeOf(v) !== Object.prototype) return false;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

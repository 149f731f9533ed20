// A Serf node on top of our memberlist (serf.go): Lamport-stamped membership intents, user
// events, queries, tags in node metadata, Vivaldi coordinates, reaping and reconnecting.
// Memberlist calls into SerfDelegate (serf-delegate.ts); this file holds the state and the API.
import type { Addr, Millis, NodeRuntime, Timer } from '../runtime.js';
import { SubLogger } from '../runtime.js';
import { META_MAX_SIZE } from '../memberlist/config.js';
import type { Keyring } from '../memberlist/keyring.js';
import { Memberlist } from '../memberlist/memberlist.js';
import type { Channel } from './channel.js';
import { SerfBroadcasts } from './broadcasts.js';
import { encodeMessage } from './codec.js';
import { memberlistConfigFor, type SerfConfig, USER_EVENT_SIZE_HARD_LIMIT, validateSerfConfig } from './config.js';
import { tallyConflictVotes } from './conflict.js';
import type { Coordinate } from './coordinate.js';
import { CoordinateClient } from './coordinate-client.js';
import { QueryBuffer, UserEventBuffer } from './event-buffer.js';
import { EventPipeline } from './event-pipeline.js';
import type { SerfEvent } from './events.js';
import { encodeFilters } from './filters.js';
import { CONFLICT_QUERY, handleInternalQuery } from './internal-query.js';
import { KeyManager } from './key-manager.js';
import { LamportClock } from './lamport.js';
import { reconnectTarget } from './maintenance.js';
import { copyMember, type Member } from './member.js';
import { MemberTable } from './members.js';
import {
  type LeaveMessage,
  MemberStatus,
  MessageType,
  type NodeName,
  QUERY_FLAG_ACK,
  type QueryMessage,
  type QueryResponseMessage,
  type UserEventMessage,
} from './messages.js';
import { ackFor, admitQuery, defaultQueryTimeout, IncomingQuery, type QueryParams, QueryResponse, type QueryTransport, queryOrigin, relayResponse } from './query.js';
import { SerfDelegate } from './serf-delegate.js';
import { SNAPSHOT_CLOCK_INTERVAL, type Snapshotter } from './snapshot.js';
import { encodeTags } from './tags.js';

export type SerfState = 'alive' | 'leaving' | 'left' | 'shutdown';

export interface SerfOptions {
  config: SerfConfig;
  /** Cluster encryption keys (memberlist keyring); absent = plaintext. */
  keyring?: Keyring;
  advertise?: Addr;
  /** Saves the keyring after key queries changed it (Serf's keyring file); returns an error text. */
  persistKeyring?: () => string | undefined;
  /** May veto joining members (Serf's MergeDelegate); return an error text to refuse. */
  merge?: (members: Member[]) => string | undefined;
  /** Snapshot (Serf's -snapshot): restores clocks, rejoins the members it lists, records events. */
  snapshot?: Snapshotter;
  /** An event callback installed before memberlist starts, so it also sees our own member-join. */
  onEvent?: (e: SerfEvent) => void;
}

export class Serf {
  readonly config: SerfConfig;
  readonly rt: NodeRuntime;
  readonly log: SubLogger;
  readonly clock = new LamportClock();
  readonly eventClock = new LamportClock();
  readonly queryClock = new LamportClock();
  readonly memberTable: MemberTable;
  readonly eventBuffer: UserEventBuffer;
  readonly queryBuffer: QueryBuffer;
  readonly queues: SerfBroadcasts;
  readonly coordClient: CoordinateClient | null;
  readonly coordCache = new Map<NodeName, Coordinate>();
  readonly keyManager: KeyManager;
  readonly memberlist: Memberlist;
  /** Set while a join asked to ignore events from before it. */
  joinIgnore = false;

  private stateValue: SerfState = 'alive';
  private readonly queryResponses = new Map<number, QueryResponse>();
  private readonly pipeline: EventPipeline;
  private readonly timers = new Set<Timer>();
  private readonly random;
  private readonly persistKeyring?: () => string | undefined;
  private readonly snapshot?: Snapshotter;

  private constructor(rt: NodeRuntime, opts: SerfOptions) {
    const config = opts.config;
    validateSerfConfig(config);
    this.config = config;
    this.rt = rt;
    this.log = new SubLogger(rt.logger, 'serf');
    this.random = rt.random.fork('serf');
    this.persistKeyring = opts.persistKeyring;
    this.memberTable = new MemberTable(
      { nodeName: config.nodeName, pruneDelay: config.broadcastTimeout + config.leavePropagateDelay },
      this.clock,
      {
        now: () => rt.clock.now(),
        emit: (e) => this.emit(e),
        refuteLeave: () => this.later(0, () => this.broadcastJoin(this.clock.time())),
        forget: (name) => {
          this.coordClient?.forgetNode(name);
          this.coordCache.delete(name);
        },
        later: (ms, fn) => this.later(ms, fn),
        warn: (m, f) => this.log.warn(m, f),
      },
    );
    this.eventBuffer = new UserEventBuffer(this.eventClock, config.eventBuffer);
    this.queryBuffer = new QueryBuffer(this.queryClock, config.queryBuffer);
    this.queues = new SerfBroadcasts(config.memberlist.retransmitMult, () => this.memberTable.size);
    this.coordClient = config.disableCoordinates ? null : new CoordinateClient(rt.random.fork('serf.coordinate'));
    if (this.coordClient) this.coordCache.set(config.nodeName, this.coordClient.getCoordinate());

    this.snapshot = opts.snapshot;
    const snap = opts.snapshot;
    this.pipeline = new EventPipeline(
      rt.clock,
      config,
      (q) => this.answerInternal(q),
      (err) => this.log.error('event handler threw', { error: String(err) }),
      snap && ((e) => snap.record(e, this.clock.time())),
    );
    if (opts.onEvent) this.pipeline.onEvent(opts.onEvent);

    // Lamport clocks start at 1 so that the zero LTime of a default join never wins.
    this.clock.increment();
    this.eventClock.increment();
    this.queryClock.increment();
    if (snap) {
      // Resume the clocks where the snapshot left them and skip events already handled.
      const st = snap.state;
      this.eventBuffer.minTime = st.lastEventClock + 1;
      this.queryBuffer.minTime = st.lastQueryClock + 1;
      this.clock.witness(st.lastClock);
      this.eventClock.witness(st.lastEventClock);
      this.queryClock.witness(st.lastQueryClock);
    }

    const d = new SerfDelegate(this, opts.merge);
    this.memberlist = Memberlist.create(rt, {
      config: memberlistConfigFor(config),
      keyring: opts.keyring,
      advertise: opts.advertise,
      delegates: {
        delegate: d,
        events: d,
        conflict: d,
        ping: this.coordClient ? d : undefined,
        merge: opts.merge ? d : undefined,
        alive: opts.merge ? d : undefined,
      },
    });
    this.keyManager = new KeyManager(this);
    this.every(config.reapInterval, () => this.reap());
    this.every(config.reconnectInterval, () => this.reconnect());
    this.every(config.queueCheckInterval, () => this.checkQueues());
    if (snap) {
      this.every(SNAPSHOT_CLOCK_INTERVAL, () => snap.updateClock(this.clock.time()));
      const prev = snap.state.previousNodes().filter((p) => p.name !== config.nodeName);
      if (prev.length > 0) void this.rejoin(prev.map((p) => `${p.name}/${p.addr}`));
    }
  }

  /** After a restart: memberlist-join the first previously known member that answers. */
  private async rejoin(targets: string[]): Promise<void> {
    for (const t of targets) {
      this.log.info('attempting re-join to previously known node', { target: t });
      const r = await this.memberlist.join([t]).catch(() => ({ joined: 0 }));
      if (r.joined > 0) {
        this.log.info('re-joined to previously known node', { target: t });
        return;
      }
    }
    this.log.warn('failed to re-join any previously known node');
  }

  /** Creates the node and its memberlist (bound to the runtime's transports). */
  static create(rt: NodeRuntime, opts: SerfOptions): Serf {
    return new Serf(rt, opts);
  }

  // ------------------------------------------------------------------------- public API

  get name(): NodeName {
    return this.config.nodeName;
  }

  state(): SerfState {
    return this.stateValue;
  }

  /** A new stream of every event from now on (ends at shutdown or when you stop iterating). */
  subscribe(): Channel<SerfEvent> {
    return this.pipeline.subscribe();
  }

  /** A synchronous event callback (called in the gossip loop; must not throw or block). */
  onEvent(handler: (e: SerfEvent) => void): () => void {
    return this.pipeline.onEvent(handler);
  }

  /** Everyone we know, sorted by name, including failed and left members until they are reaped. */
  members(): Member[] {
    return this.memberTable.list().map((ms) => copyMember(ms.member));
  }

  /**
   * Whether `pred` holds for every member. members() sorts and copies them all (tags too); this
   * reads them in place, for callers that ask on every write (the replica's big-value check).
   */
  everyMember(pred: (m: Readonly<Member>) => boolean): boolean {
    return this.memberTable.every((ms) => pred(ms.member));
  }

  localMember(): Member {
    const ms = this.memberTable.get(this.config.nodeName);
    if (!ms) throw new Error('local member not known yet');
    return copyMember(ms.member);
  }

  numNodes(): number {
    return this.memberTable.size;
  }

  numMembers(): number {
    return this.memberlist.numMembers();
  }

  encryptionEnabled(): boolean {
    return this.memberlist.keyring !== undefined;
  }

  /** Gossips a user event to the cluster (and delivers it here). Throws Error when too big. */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void {
    const nameLen = Buffer.byteLength(name);
    const before = nameLen + payload.length;
    if (before > this.config.userEventSizeLimit) throw new Error(`user event exceeds configured limit of ${this.config.userEventSizeLimit} bytes before encoding`);
    if (before > USER_EVENT_SIZE_HARD_LIMIT) throw new Error(`user event exceeds sane limit of ${USER_EVENT_SIZE_HARD_LIMIT} bytes before encoding`);
    const msg: UserEventMessage = { ltime: this.eventClock.time(), name, payload: payload.length > 0 ? payload : null, cc: coalesce };
    const raw = encodeMessage({ type: MessageType.UserEvent, msg });
    if (raw.length > this.config.userEventSizeLimit) throw new Error(`encoded user event exceeds configured limit of ${this.config.userEventSizeLimit} bytes after encoding`);
    if (raw.length > USER_EVENT_SIZE_HARD_LIMIT) throw new Error(`encoded user event exceeds sane limit of ${USER_EVENT_SIZE_HARD_LIMIT} bytes after encoding`);
    this.eventClock.increment();
    this.handleUserEvent(msg);
    this.queues.queue('event', raw);
  }

  defaultQueryTimeout(): Millis {
    return defaultQueryTimeout(this.config.memberlist.gossipInterval, this.config.queryTimeoutMult, this.memberlist.numMembers());
  }

  /** Starts a query; read acks/responses from the result until it closes at the timeout. */
  query(name: string, payload: Uint8Array, params: QueryParams = {}): QueryResponse {
    if (this.config.protocolVersion < 4) throw new Error('Feature not supported');
    const timeout = params.timeout && params.timeout > 0 ? params.timeout : this.defaultQueryTimeout();
    const local = this.memberlist.localNode();
    const msg: QueryMessage = {
      ltime: this.queryClock.time(),
      id: this.random.int(2 ** 31),
      addr: local.addr,
      port: local.port,
      sourceNode: local.name,
      filters: encodeFilters(params.filterNodes, params.filterTags),
      flags: params.requestAck ? QUERY_FLAG_ACK : 0,
      relayFactor: params.relayFactor ?? 0,
      timeout: Math.round(timeout * 1e6),
      name,
      payload: payload.length > 0 ? payload : null,
    };
    const raw = encodeMessage({ type: MessageType.Query, msg });
    if (raw.length > this.config.querySizeLimit) throw new Error(`query exceeds limit of ${this.config.querySizeLimit} bytes`);
    const resp = new QueryResponse(msg.id, msg.ltime, this.rt.clock.now() + timeout, !!params.requestAck, Math.max(1, this.memberlist.numMembers()));
    // LTime -> response is one-to-one: each query of ours advances the query clock.
    this.queryResponses.set(msg.ltime, resp);
    this.later(timeout, () => {
      if (this.queryResponses.get(msg.ltime) === resp) this.queryResponses.delete(msg.ltime);
      resp.close();
    });
    this.handleQuery(msg);
    this.queues.queue('query', raw);
    return resp;
  }

  /** Replaces our tags and gossips them (waits up to the broadcast timeout). */
  async setTags(tags: Map<string, string>): Promise<void> {
    if (encodeTags(tags, this.config.protocolVersion).length > META_MAX_SIZE) {
      throw new Error(`encoded length of tags exceeds limit of ${META_MAX_SIZE} bytes`);
    }
    this.config.tags = new Map(tags);
    await this.memberlist.updateNode(this.config.broadcastTimeout);
  }

  /** Joins through the given "host:port" / "name/host:port" seeds; returns how many answered. */
  async join(seeds: string[], ignoreOld = false): Promise<number> {
    if (this.stateValue !== 'alive') throw new Error("Serf can't Join after Leave or Shutdown");
    if (ignoreOld) this.joinIgnore = true;
    try {
      const r = await this.memberlist.join(seeds);
      if (r.joined > 0) this.broadcastJoin(this.clock.time());
      if (r.joined === 0) throw new Error(r.errors.join('; ') || 'no seeds given');
      return r.joined;
    } finally {
      if (ignoreOld) this.joinIgnore = false;
    }
  }

  /** Graceful leave: our leave intent, then memberlist's, then a pause for it to spread. */
  async leave(): Promise<void> {
    if (this.stateValue === 'left') return;
    if (this.stateValue === 'leaving') throw new Error('Leave already in progress');
    if (this.stateValue === 'shutdown') throw new Error('Leave called after Shutdown');
    this.stateValue = 'leaving';
    this.memberTable.selfAlive = false;
    this.snapshot?.leave();
    const msg: LeaveMessage = { ltime: this.clock.time(), node: this.config.nodeName, prune: false };
    this.clock.increment();
    this.memberTable.leaveIntent(msg);
    if (this.memberTable.hasAliveMembers()) await this.broadcastAndWait(msg, 'timeout while waiting for graceful leave');
    await this.memberlist.leave(this.config.broadcastTimeout);
    // Stay up a little so probes from peers that have not heard of the leave still get answers.
    await new Promise<void>((r) => this.rt.clock.setTimer(this.config.leavePropagateDelay, r));
    if ((this.stateValue as SerfState) !== 'shutdown') this.stateValue = 'left';
  }

  /** Marks a failed member as left at once (and with `prune`, erases it); Serf's force-leave. */
  async forceLeave(node: NodeName, prune = false): Promise<void> {
    const msg: LeaveMessage = { ltime: this.clock.time(), node, prune };
    this.clock.increment();
    this.memberTable.leaveIntent(msg);
    if (!this.memberTable.hasAliveMembers()) return;
    await this.broadcastAndWait(msg, 'timed out broadcasting node removal');
  }

  /** Stops everything without a leave (others will see us fail). */
  async shutdown(): Promise<void> {
    if (this.stateValue === 'shutdown') return;
    if (this.stateValue !== 'left') this.log.warn('shutdown without a leave');
    this.stateValue = 'shutdown';
    this.memberTable.selfAlive = false;
    this.snapshot?.updateClock(this.clock.time());
    await this.memberlist.shutdown();
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    for (const r of this.queryResponses.values()) r.close();
    this.queryResponses.clear();
    this.pipeline.close();
  }

  getCoordinate(): Coordinate | undefined {
    return this.coordClient?.getCoordinate();
  }

  getCachedCoordinate(name: NodeName): Coordinate | undefined {
    return this.coordCache.get(name);
  }

  stats(): Record<string, string> {
    const s: Record<string, string> = {
      members: String(this.memberTable.size),
      failed: String(this.memberTable.failedMembers().length),
      left: String(this.memberTable.leftMembers().length),
      health_score: String(this.memberlist.healthScore()),
      member_time: String(this.clock.time()),
      event_time: String(this.eventClock.time()),
      query_time: String(this.queryClock.time()),
      intent_queue: String(this.queues.intents.numQueued()),
      event_queue: String(this.queues.events.numQueued()),
      query_queue: String(this.queues.queries.numQueued()),
      encrypted: String(this.encryptionEnabled()),
    };
    if (this.coordClient) s.coordinate_resets = String(this.coordClient.resets);
    return s;
  }

  // ------------------------------------------------------------------------- message handling

  /** A user event from the wire or from us; true if new (deliver + rebroadcast). */
  handleUserEvent(msg: UserEventMessage): boolean {
    const v = this.eventBuffer.receive(msg.ltime, { name: msg.name, payload: msg.payload });
    if (v === 'too-old') this.log.warn('received old event', { name: msg.name, ltime: msg.ltime, current: this.eventClock.time() });
    if (v !== 'new') return false;
    this.emit({ type: 'user', ltime: msg.ltime, name: msg.name, payload: msg.payload ?? new Uint8Array(0), coalesce: msg.cc });
    return true;
  }

  /** A query from the wire or from us; true if it should be rebroadcast. */
  handleQuery(q: QueryMessage): boolean {
    const a = admitQuery(this.queryBuffer, q, this.config.nodeName, this.config.tags);
    if (!a.fresh || !a.process) return a.rebroadcast;
    const t = this.queryTransport();
    if ((q.flags & QUERY_FLAG_ACK) !== 0) {
      const ack = ackFor(q, this.config.nodeName);
      try {
        const dest = queryOrigin(q);
        this.memberlist.sendToAddress(dest, encodeMessage({ type: MessageType.QueryResponse, msg: ack }));
        relayResponse(t, q.relayFactor, dest, q.sourceNode, ack, q.addr);
      } catch (e) {
        this.log.error('failed to send ack', { error: String(e) });
      }
    }
    this.emit({ type: 'query', query: new IncomingQuery(t, q, this.rt.clock.now()) });
    return a.rebroadcast;
  }

  handleQueryResponse(resp: QueryResponseMessage): void {
    const q = this.queryResponses.get(resp.ltime);
    if (!q) {
      this.log.warn('reply for non-running query', { ltime: resp.ltime, id: resp.id, from: resp.from });
      return;
    }
    const v = q.deliver(resp, this.rt.clock.now());
    if (v === 'id-mismatch') this.log.warn('query reply ID mismatch', { local: q.id, response: resp.id });
    else if (v === 'dropped') this.log.warn('failed to deliver query response, dropping', { from: resp.from });
  }

  /** Our join intent at `ltime` (on join, or to refute a stale leave about us). */
  broadcastJoin(ltime: number): void {
    const msg = { ltime, node: this.config.nodeName };
    this.clock.witness(ltime);
    this.memberTable.joinIntent(msg);
    this.queues.queue('intent', encodeMessage({ type: MessageType.Join, msg }));
  }

  // ------------------------------------------------------------------------- internals

  /** Entry point of every event: internal queries are answered, the rest goes to the app. */
  emit(e: SerfEvent): void {
    this.pipeline.emit(e);
  }

  private answerInternal(q: IncomingQuery): void {
    handleInternalQuery(q, {
      self: this.config.nodeName,
      member: (n) => this.memberTable.get(n)?.member,
      keyring: this.memberlist.keyring,
      persistKeyring: this.persistKeyring,
      responseSizeLimit: this.config.queryResponseSizeLimit,
      warn: (m, f) => this.log.warn(m, f),
    });
  }

  queryTransport(): QueryTransport {
    return {
      now: () => this.rt.clock.now(),
      sendTo: (addr, _name, msg) => this.memberlist.sendToAddress(addr, msg),
      members: () => this.members(),
      random: this.random,
      self: this.config.nodeName,
      responseSizeLimit: this.config.queryResponseSizeLimit,
    };
  }

  private broadcastAndWait(msg: LeaveMessage, timeoutText: string): Promise<void> {
    return this.queues.intentAndWait(this.rt.clock, encodeMessage({ type: MessageType.Leave, msg }), this.config.broadcastTimeout, timeoutText);
  }

  later(ms: Millis, fn: () => void): void {
    const t = this.rt.clock.setTimer(ms, () => {
      this.timers.delete(t);
      if (this.stateValue !== 'shutdown') fn();
    });
    this.timers.add(t);
  }

  private every(ms: Millis, fn: () => void): void {
    const tick = () => {
      fn();
      this.later(ms, tick);
    };
    this.later(ms, tick);
  }

  private reap(): void {
    this.memberTable.reap(this.config.reconnectTimeout, this.config.tombstoneTimeout, this.config.recentIntentTimeout);
  }

  /** Tries to rejoin a random failed member, so often that each is tried about once per interval. */
  reconnect(): void {
    const t = this.memberTable;
    const target = reconnectTarget(t.failedMembers(), t.size, t.leftMembers().length, this.random);
    if (target === undefined) return;
    this.log.info('attempting reconnect', { target });
    void this.memberlist.join([target]).catch(() => undefined);
  }

  private checkQueues(): void {
    this.queues.checkDepths(this.config, this.memberTable.size, this.log);
  }

  /** Name conflict about us: ask the cluster who holds our name; quit if we lose the vote. */
  async resolveNodeConflict(): Promise<void> {
    const resp = this.query(CONFLICT_QUERY, new TextEncoder().encode(this.config.nodeName));
    const vote = await tallyConflictVotes(resp, this.memberlist.localNode());
    if (vote.won) {
      this.log.info('majority in name conflict resolution', { matching: vote.matching, responses: vote.responses });
      return;
    }
    this.log.warn('minority in name conflict resolution, quitting', { matching: vote.matching, responses: vote.responses });
    await this.shutdown();
  }
}

export { MemberStatus };

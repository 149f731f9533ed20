// A memberlist node (memberlist.go): create, join, leave, shutdown, members, metadata updates and
// user messages, plus the periodic probe / gossip / push-pull loops. The packet path lives in
// net.ts, probing in probe.ts, TCP exchanges in tcp-exchange.ts, the state machine in state.ts.
import type { Addr, Millis, NodeRuntime, Random, Timer } from '../runtime.js';
import { addrKey, SubLogger } from '../runtime.js';
import { Awareness } from './awareness.js';
import { TransmitLimitedQueue } from './broadcast.js';
import { encodeMessage } from './codec.js';
import { META_MAX_SIZE, PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN, type MemberlistConfig } from './config.js';
import type { Delegates } from './delegate.js';
import type { Keyring } from './keyring.js';
import {
  deadOrLeft,
  ipToBytes,
  ipToString,
  NodeStateType,
  parseJoinAddr,
  toMemberNode,
  type MemberNode,
  type NodeName,
  type NodeRecord,
  type Vsn,
} from './node.js';
import { PacketLayer } from './net.js';
import { Prober } from './probe.js';
import type { PushNodeState } from './messages.js';
import { Membership, type StateMessage } from './state.js';
import { pushPullScale, TcpExchange } from './tcp-exchange.js';

export interface MemberlistOptions {
  config: MemberlistConfig;
  delegates?: Delegates;
  /** Cluster encryption; absent = plaintext cluster. */
  keyring?: Keyring;
  /** Address others should use for us; default: the packet transport's local address. */
  advertise?: Addr;
}

/** How many seeds a join reached, and why the others failed (errors are empty when any succeeded). */
export interface JoinResult {
  joined: number;
  errors: string[];
}

export class Memberlist {
  readonly cfg: MemberlistConfig;
  readonly rt: NodeRuntime;
  readonly log: SubLogger;
  readonly delegates: Delegates;
  private readonly keyringRef: Keyring | undefined;
  readonly awareness: Awareness;
  readonly queue: TransmitLimitedQueue;
  readonly state: Membership;
  readonly net: PacketLayer;
  readonly prober: Prober;
  readonly streams: TcpExchange;
  readonly advertise: Addr;
  /** Independent random streams so one concern never perturbs another's sequence. */
  readonly rand: { probe: Random; gossip: Random; pushPull: Random; state: Random; crypto: Random };

  private advertiseBytes: Uint8Array | undefined;
  private left = false;
  private muted = false;
  private shut = false;
  private leaveWaiters: (() => void)[] = [];
  private timers: Timer[] = [];
  private loopTimers = new Map<string, Timer>();

  private constructor(rt: NodeRuntime, opts: MemberlistOptions) {
    const cfg = opts.config;
    if (cfg.protocolVersion < PROTOCOL_VERSION_MIN || cfg.protocolVersion > PROTOCOL_VERSION_MAX) {
      throw new Error(`protocol version ${cfg.protocolVersion} outside [${PROTOCOL_VERSION_MIN}, ${PROTOCOL_VERSION_MAX}]`);
    }
    this.cfg = cfg;
    this.rt = rt;
    this.log = new SubLogger(rt.logger, 'memberlist');
    this.delegates = opts.delegates ?? {};
    this.keyringRef = opts.keyring;
    this.advertise = opts.advertise ?? rt.packets.localAddr();
    this.rand = {
      probe: rt.random.fork('memberlist.probe'),
      gossip: rt.random.fork('memberlist.gossip'),
      pushPull: rt.random.fork('memberlist.pushpull'),
      state: rt.random.fork('memberlist.state'),
      crypto: rt.random.fork('memberlist.crypto'),
    };
    this.awareness = new Awareness(cfg.awarenessMaxMultiplier);
    this.queue = new TransmitLimitedQueue(cfg.retransmitMult, () => this.state.numNodes());
    this.state = new Membership(cfg, rt.clock, this.rand.state, this.awareness, this.log, this.delegates, {
      broadcast: (node, msg, notify) => this.queueBroadcast(node, msg, notify),
      hasLeft: () => this.left,
      leaveNotify: () => () => this.leaveDone(),
    });
    this.net = new PacketLayer(this);
    this.prober = new Prober(this);
    this.streams = new TcpExchange(this);
  }

  /** Starts a node: binds the transports' handlers, announces ourselves alive, starts the loops. */
  static create(rt: NodeRuntime, opts: MemberlistOptions): Memberlist {
    const m = new Memberlist(rt, opts);
    rt.packets.onPacket((from, bytes) => m.net.ingest(from, bytes));
    rt.streams.onStream((s) => m.background('stream handler', m.streams.handleConn(s)));
    m.setAlive();
    m.schedule();
    return m;
  }

  get name(): NodeName {
    return this.cfg.name;
  }

  /** The keyring while it holds keys (memberlist's EncryptionEnabled, checked on every use). */
  get keyring(): Keyring | undefined {
    return this.keyringRef && this.keyringRef.getKeys().length > 0 ? this.keyringRef : undefined;
  }

  /** Encryption version memberlist uses for our protocol version (0 only for protocol 1). */
  encryptionVersion(): 0 | 1 {
    return this.cfg.protocolVersion === 1 ? 0 : 1;
  }

  buildVsn(): Vsn {
    return [
      PROTOCOL_VERSION_MIN,
      PROTOCOL_VERSION_MAX,
      this.cfg.protocolVersion,
      this.cfg.delegateProtocolMin,
      this.cfg.delegateProtocolMax,
      this.cfg.delegateProtocolVersion,
    ];
  }

  /** Our advertised IP as raw bytes (parsed once: every probe carries it). */
  advertiseAddrBytes(): Uint8Array {
    if (!this.advertiseBytes) {
      const b = ipToBytes(this.advertise.host);
      if (!b) throw new Error(`advertise address ${this.advertise.host} is not an IP literal`);
      this.advertiseBytes = b;
    }
    return this.advertiseBytes;
  }

  private nodeMeta(): Uint8Array {
    const d = this.delegates.delegate;
    if (!d) return new Uint8Array(0);
    const meta = d.nodeMeta(META_MAX_SIZE);
    if (meta.length > META_MAX_SIZE) throw new Error(`node metadata is ${meta.length} bytes, over the ${META_MAX_SIZE} limit`);
    return meta;
  }

  private setAlive(): void {
    this.state.aliveNode(
      {
        type: 'alive',
        incarnation: this.state.nextIncarnation(),
        node: this.cfg.name,
        addr: this.advertiseAddrBytes(),
        port: this.advertise.port,
        meta: this.nodeMeta(),
        vsn: this.buildVsn(),
      },
      undefined,
      true,
    );
  }

  queueBroadcast(node: NodeName, msg: StateMessage, notify?: () => void): void {
    if (this.muted) {
      notify?.();
      return;
    }
    const bytes = encodeMessage(msg);
    this.queue.queueBroadcast({ name: node, message: () => bytes, finished: notify });
  }

  // ---- loops ------------------------------------------------------------------------------

  private schedule(): void {
    const c = this.cfg;
    if (c.probeInterval > 0) this.startTicker('probe', c.probeInterval, () => this.prober.probeTick());
    if (c.gossipInterval > 0 && c.gossipNodes > 0) this.startTicker('gossip', c.gossipInterval, () => this.gossip());
    if (c.pushPullInterval > 0) {
      const stagger = this.rand.pushPull.int(Math.max(1, Math.floor(c.pushPullInterval)));
      const tick = () => {
        if (this.shut) return;
        this.background('push/pull', this.streams.pushPull());
        this.loopTimers.set('pushpull', this.rt.clock.setTimer(pushPullScale(c.pushPullInterval, this.state.numNodes()), tick));
      };
      this.loopTimers.set('pushpull', this.rt.clock.setTimer(stagger, tick));
    }
  }

  /** A ticker with a random initial stagger so nodes do not synchronise (memberlist triggerFunc). */
  private startTicker(name: string, interval: Millis, fn: () => void): void {
    const stagger = this.rand.gossip.int(Math.max(1, Math.floor(interval)));
    const tick = () => {
      if (this.shut) return;
      this.loopTimers.set(name, this.rt.clock.setTimer(interval, tick));
      try {
        fn();
      } catch (e) {
        // A bug in one round must not stop the loop (or, on the real runtime, the process).
        this.log.error(`${name} round failed`, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    };
    this.loopTimers.set(name, this.rt.clock.setTimer(stagger, tick));
  }

  /** Runs a task nobody awaits; a failure is logged, never an unhandled rejection. */
  background(what: string, p: Promise<unknown>): void {
    p.catch((e: unknown) => this.log.error(`${what} failed`, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
  }

  /** Timers owned by the node (cancelled at shutdown). */
  setTimer(ms: Millis, fn: () => void): Timer {
    const t = this.rt.clock.setTimer(ms, () => {
      const i = this.timers.indexOf(t);
      if (i >= 0) this.timers.splice(i, 1);
      if (!this.shut) fn();
    });
    this.timers.push(t);
    return t;
  }

  /** Piggybacks queued broadcasts to a few random nodes (incl. recently dead ones). */
  gossip(): void {
    const now = this.rt.clock.now();
    const targets = this.state.kRandomNodes(this.cfg.gossipNodes, (n) => {
      if (n.name === this.cfg.name) return true;
      switch (n.state) {
        case NodeStateType.Alive:
        case NodeStateType.Suspect:
          return false;
        case NodeStateType.Dead:
          return now - n.stateChange > this.cfg.gossipToTheDeadTime;
        default:
          return true;
      }
    });
    let bytesAvail = this.cfg.udpBufferSize - this.net.compoundHeaderOverhead;
    if (this.keyring) bytesAvail -= this.net.encryptOverhead();
    for (const node of targets) {
      const msgs = this.net.getBroadcasts(this.net.compoundOverhead, bytesAvail);
      if (msgs.length === 0) return;
      this.net.sendPacked(node, msgs);
    }
  }

  // ---- public API ---------------------------------------------------------------------------

  /** Push-pull with each seed ("host:port" or "name/host:port"); succeeds if any did. */
  async join(seeds: string[]): Promise<JoinResult> {
    const errors: string[] = [];
    let joined = 0;
    for (const seed of seeds) {
      const target = parseJoinAddr(seed, this.advertise.port);
      if (typeof target === 'string') {
        errors.push(target);
        continue;
      }
      try {
        await this.streams.pushPullNode(target.addr, true);
        joined++;
      } catch (e) {
        const msg = `failed to join ${addrKey(target.addr)}: ${e instanceof Error ? e.message : String(e)}`;
        this.log.debug(msg);
        errors.push(msg);
      }
    }
    return { joined, errors: joined > 0 ? [] : errors };
  }

  members(): MemberNode[] {
    return this.state.members();
  }

  /** Every known node including dead and left ones (for status displays). */
  allNodes(): MemberNode[] {
    return this.state.nodes.map(toMemberNode);
  }

  numMembers(): number {
    return this.state.nodes.filter((n) => !deadOrLeft(n)).length;
  }

  localNode(): MemberNode {
    return toMemberNode(this.state.local()!);
  }

  healthScore(): number {
    return this.awareness.healthScore();
  }

  hasLeft(): boolean {
    return this.left;
  }

  hasShutdown(): boolean {
    return this.shut;
  }

  /** Re-reads our metadata from the delegate and gossips it with a new incarnation. */
  async updateNode(timeout: Millis): Promise<void> {
    const me = this.state.local()!;
    let done!: () => void;
    const sent = new Promise<void>((r) => (done = r));
    this.state.aliveNode(
      {
        type: 'alive',
        incarnation: this.state.nextIncarnation(),
        node: this.cfg.name,
        addr: me.addr,
        port: me.port,
        meta: this.nodeMeta(),
        vsn: this.buildVsn(),
      },
      () => done(),
      true,
    );
    if (this.state.anyAlive()) await this.waitOrTimeout(sent, timeout, 'timeout waiting for update broadcast');
  }

  /** Broadcasts our death-by-choice and waits (up to `timeout`) until it has been gossiped. */
  async leave(timeout: Millis): Promise<void> {
    if (this.shut) throw new Error('leave after shutdown');
    if (this.left) return;
    this.left = true;
    const me = this.state.local();
    if (!me) return;
    const sent = new Promise<void>((r) => this.leaveWaiters.push(r));
    this.state.deadNode({ type: 'dead', incarnation: me.incarnation, node: me.name, from: me.name });
    if (this.state.anyAlive()) await this.waitOrTimeout(sent, timeout, 'timeout waiting for leave broadcast');
  }

  private leaveDone(): void {
    const w = this.leaveWaiters;
    this.leaveWaiters = [];
    for (const f of w) f();
  }

  private waitOrTimeout(p: Promise<void>, timeout: Millis, msg: string): Promise<void> {
    if (timeout <= 0) return p;
    return new Promise((resolve, reject) => {
      const t = this.rt.clock.setTimer(timeout, () => reject(new Error(msg)));
      void p.then(() => {
        t.cancel();
        resolve();
      });
    });
  }

  /** Stops all loops and closes the transports; no leave message is sent. */
  async shutdown(): Promise<void> {
    if (this.shut) return;
    this.shut = true;
    for (const t of this.loopTimers.values()) t.cancel();
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.state.stopTimers();
    this.prober.stop();
    this.streams.stop();
    await Promise.all([this.rt.packets.close(), this.rt.streams.close()]);
  }

  /** Sends a user message in one UDP packet to an address (memberlist SendToAddress). */
  sendToAddress(to: Addr, msg: Uint8Array): void {
    this.net.rawSendPacket(undefined, userMessage(msg), to);
  }

  /** Best-effort UDP user message to a member (memberlist SendBestEffort). */
  sendBestEffort(to: MemberNode, msg: Uint8Array): void {
    const rec = this.state.nodeMap.get(to.name);
    this.net.rawSendPacket(rec, userMessage(msg), rec ? undefined : { host: nodeHost(to), port: to.port });
  }

  /** Reliable user message over TCP (memberlist SendReliable). */
  sendReliable(to: MemberNode, msg: Uint8Array): Promise<void> {
    return this.streams.sendUserMsg({ host: nodeHost(to), port: to.port }, msg);
  }

  /**
   * Learns a node list as if from a push-pull, without gossiping any of it: for simulations and
   * benchmarks that start from an already converged cluster.
   */
  preload(nodes: PushNodeState[]): void {
    this.muted = true;
    try {
      this.state.mergeState(nodes);
    } finally {
      this.muted = false;
    }
  }

  /** Looks a node up by name (any state). */
  node(name: NodeName): NodeRecord | undefined {
    return this.state.nodeMap.get(name);
  }
}

function nodeHost(n: { addr: Uint8Array }): string {
  return ipToString(n.addr);
}

function userMessage(msg: Uint8Array): Uint8Array {
  const buf = new Uint8Array(msg.length + 1);
  buf[0] = 8; // MessageType.user
  buf.set(msg, 1);
  return buf;
}

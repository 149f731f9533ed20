// The membership table and its state machine (memberlist state.go): alive / suspect / dead /
// left with incarnation numbers, refutation of accusations about ourselves, Lifeguard suspicion
// timers, dead-node reclaim, and the merge of a push-pull node list. Pure logic: it reaches the
// network only through `hooks.broadcast`, time through the Clock, chance through its Random.
import type { Clock, Random } from '../runtime.js';
import { SubLogger } from '../runtime.js';
import type { Awareness } from './awareness.js';
import type { MemberlistConfig } from './config.js';
import type { Delegates } from './delegate.js';
import {
  bytesEqual,
  deadOrLeft,
  ipToString,
  NodeStateType,
  toMemberNode,
  type Incarnation,
  type MemberNode,
  type NodeName,
  type NodeRecord,
  type Vsn,
} from './node.js';
import type { AliveMsg, DeadMsg, PushNodeState, SuspectMsg } from './messages.js';
import { Suspicion, suspicionTimeout } from './suspicion.js';

/** The membership messages this table emits for gossip. */
export type StateMessage = AliveMsg | SuspectMsg | DeadMsg;

export interface StateHooks {
  /** Queue a membership message for gossip; `notify` runs when it has been sent enough (or superseded). */
  broadcast(node: NodeName, msg: StateMessage, notify?: () => void): void;
  hasLeft(): boolean;
  /** Called when our own leave (dead message about us) has been queued; returns its notify. */
  leaveNotify(): (() => void) | undefined;
}

const EMPTY = new Uint8Array(0);

function vsnOf(v: readonly number[] | undefined): Vsn | undefined {
  return v && v.length >= 6 ? [v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!] : undefined;
}

export class Membership {
  /** Probe order: shuffled at each wrap-around, new nodes inserted at random positions. */
  nodes: NodeRecord[] = [];
  readonly nodeMap = new Map<NodeName, NodeRecord>();
  private readonly timers = new Map<NodeName, Suspicion>();
  private incarnation: Incarnation = 0;
  private readonly log: SubLogger;

  constructor(
    private readonly cfg: MemberlistConfig,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly awareness: Awareness,
    logger: SubLogger,
    private readonly delegates: Delegates,
    private readonly hooks: StateHooks,
  ) {
    this.log = logger;
  }

  get localName(): NodeName {
    return this.cfg.name;
  }

  /** memberlist's numNodes estimate (includes dead nodes not yet reaped). */
  numNodes(): number {
    return this.nodes.length;
  }

  nextIncarnation(): Incarnation {
    this.incarnation = (this.incarnation + 1) >>> 0;
    return this.incarnation;
  }

  local(): NodeRecord | undefined {
    return this.nodeMap.get(this.cfg.name);
  }

  members(): MemberNode[] {
    return this.nodes.filter((n) => !deadOrLeft(n)).map(toMemberNode);
  }

  anyAlive(): boolean {
    return this.nodes.some((n) => !deadOrLeft(n) && n.name !== this.cfg.name);
  }

  /** Up to k distinct random nodes not excluded by `exclude` (memberlist kRandomNodes). */
  kRandomNodes(k: number, exclude: (n: NodeRecord) => boolean): NodeRecord[] {
    const n = this.nodes.length;
    const out: NodeRecord[] = [];
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const node = this.nodes[this.random.int(n)]!;
      if (exclude(node) || out.includes(node)) continue;
      out.push(node);
    }
    return out;
  }

  /** At probe wrap-around: forget nodes dead for longer than GossipToTheDeadTime, shuffle the rest. */
  resetNodes(): void {
    const now = this.clock.now();
    const keep: NodeRecord[] = [];
    for (const n of this.nodes) {
      if (n.state === NodeStateType.Dead && now - n.stateChange > this.cfg.gossipToTheDeadTime) {
        this.nodeMap.delete(n.name);
      } else {
        keep.push(n);
      }
    }
    this.nodes = this.random.shuffle(keep);
  }

  refute(me: NodeRecord, accusedInc: Incarnation): void {
    let inc = this.nextIncarnation();
    if (accusedInc >= inc) {
      this.incarnation = (accusedInc + 1) >>> 0;
      inc = this.incarnation;
    }
    me.incarnation = inc;
    // Being accused is a hint that we are the slow one.
    if (this.cfg.lifeguard) this.awareness.applyDelta(1);
    this.hooks.broadcast(me.name, {
      type: 'alive',
      incarnation: inc,
      node: me.name,
      addr: me.addr,
      port: me.port,
      meta: me.meta,
      vsn: [...me.vsn],
    });
  }

  aliveNode(a: AliveMsg, notify: (() => void) | undefined, bootstrap: boolean): void {
    const meta = a.meta ?? EMPTY;
    if (this.hooks.hasLeft() && a.node === this.cfg.name) return;
    if (a.vsn.length >= 3) {
      const [pMin, pMax] = a.vsn as [number, number];
      if (pMin === 0 || pMax === 0 || pMin > pMax) {
        this.log.warn('ignoring alive message with bad protocol versions', { node: a.node, vsn: a.vsn });
        return;
      }
    }
    if (this.delegates.alive) {
      const vsn = vsnOf(a.vsn);
      if (!vsn) {
        this.log.warn('ignoring alive message without Vsn', { node: a.node });
        return;
      }
      const err = this.call(() =>
        this.delegates.alive!.notifyAlive({ name: a.node, addr: a.addr, port: a.port, meta, state: NodeStateType.Alive, vsn }),
      );
      if (err) {
        this.log.warn('alive message rejected by delegate', { node: a.node, reason: err });
        return;
      }
    }

    let state = this.nodeMap.get(a.node);
    let updatesNode = false;
    if (!state) {
      state = {
        name: a.node,
        addr: a.addr,
        port: a.port,
        meta,
        vsn: vsnOf(a.vsn) ?? [0, 0, 0, 0, 0, 0],
        incarnation: 0,
        state: NodeStateType.Dead,
        stateChange: this.clock.now(),
      };
      this.nodeMap.set(a.node, state);
      // A random position keeps the expected detection time low for every node.
      const n = this.nodes.length;
      const offset = n === 0 ? 0 : this.random.int(n);
      this.nodes.push(state);
      [this.nodes[offset], this.nodes[n]] = [this.nodes[n]!, this.nodes[offset]!];
    } else if (!bytesEqual(state.addr, a.addr) || state.port !== a.port) {
      const canReclaim =
        this.cfg.deadNodeReclaimTime > 0 && this.clock.now() - state.stateChange > this.cfg.deadNodeReclaimTime;
      if (state.state === NodeStateType.Left || (state.state === NodeStateType.Dead && canReclaim)) {
        this.log.info('updating address of left or failed node', {
          node: state.name,
          from: `${ipToString(state.addr)}:${state.port}`,
          to: `${ipToString(a.addr)}:${a.port}`,
        });
        updatesNode = true;
      } else {
        this.log.error('conflicting address for node', {
          node: state.name,
          mine: `${ipToString(state.addr)}:${state.port}`,
          theirs: `${ipToString(a.addr)}:${a.port}`,
        });
        const existing = toMemberNode(state);
        const other: MemberNode = { name: a.node, addr: a.addr, port: a.port, meta, state: NodeStateType.Alive, vsn: existing.vsn };
        this.call(() => this.delegates.conflict?.notifyConflict(existing, other));
        return;
      }
    }

    const isLocal = state.name === this.cfg.name;
    if (a.incarnation <= state.incarnation && !isLocal && !updatesNode) return;
    if (a.incarnation < state.incarnation && isLocal) return;

    this.clearTimer(a.node);
    const oldState = state.state;
    const oldMeta = state.meta;

    if (!bootstrap && isLocal) {
      // Same incarnation with the same content is just our own alive echoing back; anything
      // else (e.g. we restarted with new metadata) must be overruled with a newer incarnation.
      if (a.incarnation === state.incarnation && bytesEqual(meta, state.meta) && sameVsn(a.vsn, state.vsn)) return;
      this.refute(state, a.incarnation);
      this.log.warn('refuting an alive message about us', { incarnation: a.incarnation });
    } else {
      this.hooks.broadcast(a.node, a, notify);
      const vsn = vsnOf(a.vsn);
      if (vsn) state.vsn = vsn;
      state.incarnation = a.incarnation;
      state.meta = meta;
      state.addr = a.addr;
      state.port = a.port;
      if (state.state !== NodeStateType.Alive) {
        state.state = NodeStateType.Alive;
        state.stateChange = this.clock.now();
      }
    }

    const ev = this.delegates.events;
    if (ev) {
      if (oldState === NodeStateType.Dead || oldState === NodeStateType.Left) {
        const node = toMemberNode(state);
        this.call(() => ev.notifyJoin(node));
      } else if (!bytesEqual(oldMeta, state.meta)) {
        const node = toMemberNode(state);
        this.call(() => ev.notifyUpdate(node));
      }
    }
  }

  suspectNode(s: SuspectMsg): void {
    const state = this.nodeMap.get(s.node);
    if (!state) return;
    if (s.incarnation < state.incarnation) return;

    // Already suspect: a new accuser is an independent confirmation, worth re-gossiping.
    const timer = this.timers.get(s.node);
    if (timer) {
      if (timer.confirm(s.from)) this.hooks.broadcast(s.node, s);
      return;
    }
    if (state.state !== NodeStateType.Alive) return;

    if (state.name === this.cfg.name) {
      this.refute(state, s.incarnation);
      this.log.warn('refuting a suspect message', { from: s.from });
      return;
    }
    this.hooks.broadcast(s.node, s);

    state.incarnation = s.incarnation;
    state.state = NodeStateType.Suspect;
    state.stateChange = this.clock.now();

    // Expect k confirmations so the nominal timeout is hit two probe intervals early; with too
    // few nodes to confirm (we and the suspect excluded) expect none.
    const n = this.numNodes();
    let k = this.cfg.suspicionMult - 2;
    if (n - 2 < k || !this.cfg.lifeguard) k = 0;
    const min = suspicionTimeout(this.cfg.suspicionMult, n, this.cfg.probeInterval);
    const max = this.cfg.lifeguard ? this.cfg.suspicionMaxTimeoutMult * min : min;
    const suspicion: Suspicion = new Suspicion(this.clock, s.from, k, min, max, (confirmations) => {
      const cur = this.nodeMap.get(s.node);
      if (this.timers.get(s.node) !== suspicion || !cur || cur.state !== NodeStateType.Suspect) return;
      this.log.info('marking node as failed, suspect timeout reached', { node: cur.name, confirmations });
      this.deadNode({ type: 'dead', incarnation: cur.incarnation, node: cur.name, from: this.cfg.name });
    });
    this.timers.set(s.node, suspicion);
  }

  deadNode(d: DeadMsg): void {
    const state = this.nodeMap.get(d.node);
    if (!state) return;
    if (d.incarnation < state.incarnation) return;
    this.clearTimer(d.node);
    if (deadOrLeft(state)) return;

    if (state.name === this.cfg.name) {
      if (!this.hooks.hasLeft()) {
        this.refute(state, d.incarnation);
        this.log.warn('refuting a dead message', { from: d.from });
        return;
      }
      this.hooks.broadcast(d.node, d, this.hooks.leaveNotify());
    } else {
      this.hooks.broadcast(d.node, d);
    }

    state.incarnation = d.incarnation;
    // A node announcing its own death has left gracefully.
    state.state = d.node === d.from ? NodeStateType.Left : NodeStateType.Dead;
    state.stateChange = this.clock.now();
    const ev = this.delegates.events;
    if (ev) {
      const node = toMemberNode(state);
      this.call(() => ev.notifyLeave(node));
    }
  }

  /** Applies a push-pull node list; a remote "dead" only makes us suspect (we check ourselves). */
  mergeState(remote: PushNodeState[]): void {
    for (const r of remote) {
      switch (r.state) {
        case NodeStateType.Alive:
          this.aliveNode(
            { type: 'alive', incarnation: r.incarnation, node: r.name, addr: r.addr, port: r.port, meta: r.meta, vsn: r.vsn },
            undefined,
            false,
          );
          break;
        case NodeStateType.Left:
          this.deadNode({ type: 'dead', incarnation: r.incarnation, node: r.name, from: r.name });
          break;
        case NodeStateType.Dead:
        case NodeStateType.Suspect:
          this.suspectNode({ type: 'suspect', incarnation: r.incarnation, node: r.name, from: this.cfg.name });
          break;
        default:
          break;
      }
    }
  }

  /** Our node list as sent in a push-pull. */
  pushStates(): PushNodeState[] {
    return this.nodes.map((n) => ({
      name: n.name,
      addr: n.addr,
      port: n.port,
      meta: n.meta,
      incarnation: n.incarnation,
      state: n.state,
      vsn: [...n.vsn],
    }));
  }

  /** Stops every suspicion timer (shutdown). */
  stopTimers(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private clearTimer(name: NodeName): void {
    const t = this.timers.get(name);
    if (t) {
      t.cancel();
      this.timers.delete(name);
    }
  }

  /** Runs a delegate callback; a throwing delegate must not corrupt our state. */
  private call<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.log.error('delegate threw', { error: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }
}

function sameVsn(a: readonly number[], b: Vsn): boolean {
  return a.length === 6 && a.every((x, i) => x === b[i]);
}

// asyncactor 0.22.1's Actor (asyncactor/actor.py) as an event-driven state machine over the
// runtime seams. Not an election: a round-robin beacon. Each node pings about once per cycle in
// turn; the pinger becomes "it" (TagEvent) unless a better ping competes; diverging histories
// reveal a healed split (RecoverEvent). Python's `_run` loop, `_ping` debounce task and
// `_send_delay_*` tasks become timers here; each is marked with the lines it mirrors.
import type { Clock, Logger, Millis, Random, Timer } from '../../gossip/runtime.js';
import { SubLogger } from '../../gossip/runtime.js';
import { DecodeError } from '../../gossip/decode-error.js';
import {
  ActorCollisionError,
  ActorError,
  ActorTimeoutError,
  type ActorEvent,
} from './events.js';
import { History, sameNames } from './history.js';
import {
  makeConfig,
  messageNode,
  parseActorMessage,
  versMessage,
  type ActorConfig,
  type ActorMessage,
  type ActorValue,
  type HistMessage,
  type NodeName,
  type PingMessage,
  type VersMessage,
} from './messages.js';
import { EventHub, type ActorListener } from './event-hub.js';
import { hasPriority } from './priority.js';
import { RecoveryDelays } from './recovery.js';
import { nextPingFactor, startupDelay, tagStageSeconds } from './timing.js';
import type { ActorTransport } from './transport.js';

export interface ActorOptions {
  readonly transport: ActorTransport;
  /** This node's name; must be unique in the channel. */
  readonly name: NodeName;
  readonly clock: Clock;
  /** The actor's own stream (DistKV also draws its recovery timings from `actor.random`). */
  readonly random: Random;
  /** Merged over DEFAULT_CONFIG and verified (cycle >= 3*gap). */
  readonly config?: Partial<ActorConfig>;
  /** false: start passive (monitor only, never ping), as DistKV's delete actor does. */
  readonly enabled?: boolean;
  /** Emit a `raw` event for every incoming payload (DistKV's main actor uses this). */
  readonly sendRaw?: boolean;
  /**
   * Resolve crossed pings by priority (default true; false = exactly asyncactor). Two nodes that
   * ping within the delivery latency, each naming the other as predecessor, both take the other's
   * ping as the standard follow-up in asyncactor; their timing then repeats the crossing forever
   * and nobody is ever tagged. With this on, a node whose own ping is under a gap old keeps it
   * when it has priority over the crossing one (it ignores that ping, as a lost collision).
   */
  readonly fixCrossedPings?: boolean;
  /**
   * Spread the start-up `vers` over this many ms (ours; default 0 = asyncactor: with `init`,
   * at once). It goes out at a random moment in the window (capped at one cycle) and is dropped
   * when another node's `vers` of the same or a higher version arrived first: that one already
   * made every lower node adopt it and every higher node answer with its own, as ours would.
   * A thousand servers started together then send a thousand inits and a few `vers`.
   */
  readonly announceWithin?: Millis;
  readonly logger?: Logger;
}

export interface ActorStartOptions {
  /**
   * Listen only: no `init`, no `vers`, no self-check (ours; see DeleteGc). For a passive actor
   * whose announcements nobody needs; `announce()` sends them later if it becomes a member.
   */
  readonly silent?: boolean;
}

export type { ActorListener };

type Phase = 'new' | 'starting' | 'running' | 'stopped';

const SEC: Millis = 1000;

export class Actor {
  readonly name: NodeName;
  private readonly transport: ActorTransport;
  private readonly clock: Clock;
  private readonly rng: Random;
  private readonly sendRaw: boolean;
  private readonly fixCrossedPings: boolean;
  private readonly announceWithin: Millis;
  private readonly log: SubLogger | undefined;

  private phase: Phase = 'new';
  private versionMsg: VersMessage;
  private offNodes: number;
  private selfSeen = false;
  private startTimer: Timer | undefined;
  private startQueue: ActorMessage[] = [];
  /** init + vers were sent (or are scheduled): the self-check applies. */
  private announced = false;
  private versTimer: Timer | undefined;

  private myValue: ActorValue = null;
  private ready = false;
  /** -1 passive; 0 idle; 1 just pinged; 2 waiting one gap; 3 tagged ("it"). */
  private tagged: number;
  private validPings = 0;
  private readonly counter = { countNotOn: 0 };
  private readonly values = new Map<NodeName, ActorValue>();
  private hist: History;

  private nextPingTime: Millis = 0;
  private tDest: Millis = -Infinity;
  private loopTimer: Timer | undefined;

  private pingWindow: { msg: ActorMessage; timer: Timer } | undefined;
  private readonly delays: RecoveryDelays;
  private readonly hub: EventHub;

  constructor(opts: ActorOptions) {
    this.name = opts.name;
    this.transport = opts.transport;
    this.clock = opts.clock;
    this.rng = opts.random;
    this.sendRaw = opts.sendRaw ?? false;
    this.fixCrossedPings = opts.fixCrossedPings ?? true;
    this.announceWithin = Math.max(0, opts.announceWithin ?? 0);
    this.log = opts.logger ? new SubLogger(opts.logger, 'actor') : undefined;
    this.versionMsg = versMessage(this.name, makeConfig(opts.config));
    this.offNodes = this.versionMsg.nodes;
    this.tagged = opts.enabled === false ? -1 : 0;
    this.hist = new History(this.nodes);
    this.delays = new RecoveryDelays(this.clock);
    this.hub = new EventHub(this.log);
  }

  // ---- public API -----------------------------------------------------------------------

  /** Subscribes to events (called synchronously, in order). Returns an unsubscribe function. */
  on(listener: ActorListener): () => void {
    return this.hub.on(listener);
  }

  /** Events from now on as an async stream (unbounded buffer); it ends when the actor stops. */
  events(): AsyncIterableIterator<ActorEvent> {
    return this.hub.stream();
  }

  /** Starts listening, sends `init` + `vers`, and pings after cycle + gap*(1.5..2) (actor.py:306-312). */
  start(opts: ActorStartOptions = {}): void {
    if (this.phase !== 'new') throw new Error('actor already started');
    this.phase = 'starting';
    this.transport.onMessage((p) => this.receive(p));
    if (!opts.silent) this.announce();
    this.startTimer = this.clock.setTimer(startupDelay(this.config, this.rng.next()) * SEC, () => this.afterStartup());
  }

  /**
   * Sends `init` + `vers` (the latter spread over `announceWithin`) unless already done: start()
   * does it, except for a silent start. No-op before start() and after stop().
   */
  announce(): void {
    if (this.announced || this.phase === 'new' || this.phase === 'stopped') return;
    this.announced = true;
    // init at once, as python: a restart's init then has the LTime of its previous life's (0),
    // and Serf takes a replay of the old one (push-pull) for a duplicate, not a second init
    this.send({ t: 'init', node: this.name });
    const window = Math.min(this.announceWithin, this.config.cycle * SEC);
    if (window <= 0) {
      this.send(this.versionMsg);
      return;
    }
    // a stream of its own: the actor's timings draw the same numbers as without the spread
    this.versTimer = this.clock.setTimer(this.rng.fork('announce').next() * window, () => this.sendVersion());
  }

  /** Stops all timers; no more events or messages. */
  stop(): void {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    this.startTimer?.cancel();
    this.versTimer?.cancel();
    this.loopTimer?.cancel();
    this.pingWindow?.timer.cancel();
    this.pingWindow = undefined;
    this.delays.cancelAll();
    this.hub.close();
  }

  get stopped(): boolean {
    return this.phase === 'stopped';
  }

  /** start() was called (it may have stopped since). */
  get started(): boolean {
    return this.phase !== 'new';
  }

  /** The value sent with our pings and used on collisions; null = not ready (always loses). */
  setValue(v: ActorValue): void {
    this.myValue = v;
  }
  get value(): ActorValue {
    return this.myValue;
  }

  /** Marks this node fully operational (affects next-ping timing only; DistKV never calls it). */
  setReady(): void {
    this.ready = true;
  }

  /** The value `node` sent last (null if unknown). */
  getValue(node: NodeName): ActorValue {
    return this.values.get(node) ?? null;
  }

  /** The current config (adopted from the network when a higher version arrived). */
  get config(): ActorConfig {
    return this.versionMsg;
  }
  /** A copy of the history, newest first. */
  get history(): NodeName[] {
    return this.hist.toArray();
  }
  get historySize(): number {
    return this.hist.length;
  }
  get historyMaxSize(): number {
    return this.nodes;
  }
  /** Seconds. */
  get cycleTime(): number {
    return this.config.cycle;
  }
  /** Max seconds between two tag/ping events (actor.py:170-174). */
  get cycleTimeMax(): number {
    return this.config.cycle + 2.5 * this.config.gap;
  }
  /** The actor's random stream (DistKV draws its recovery delays from it). */
  get random(): Random {
    return this.rng;
  }
  /** Whether we are "it" right now (between TagEvent and Untag/DetagEvent). */
  get isTagged(): boolean {
    return this.tagged === 3;
  }
  get enabled(): boolean {
    return this.tagged >= 0;
  }

  /**
   * Adopts a new local config; its version must exceed the current one. Sent at once
   * (actor.py:369-383; we also put our node name in it, which receivers ignore).
   */
  updateConfig(cfg: Partial<ActorConfig>): void {
    const c = makeConfig(cfg);
    if (c.version <= this.config.version) throw new RangeError(`You need a version > ${this.config.version}`);
    this.versionMsg = versMessage(this.name, c);
    this.sendVersion();
  }

  /**
   * Leaves passive mode (actor.py:385-405): clears the history and pings at once. With `length`
   * above the config's `nodes`, raises it and the version by one and sends the new config.
   * Before start() it only arms the actor; its first ping then follows the normal startup.
   */
  enable(length?: number): void {
    if (length !== undefined && this.versionMsg.nodes < length) {
      this.versionMsg = { ...this.versionMsg, nodes: length, version: this.versionMsg.version + 1 };
      if (this.phase !== 'new') this.sendVersion();
    }
    if (this.tagged !== -1) return;
    this.tagged = 0;
    this.hist.clear();
    this.hist.maxlen = this.nodes;
    this.counter.countNotOn = 1;
    if (this.phase === 'running') this.sendPing();
  }

  /**
   * Passive mode (actor.py:406-423): listen, never ping. `length` (default 0 = unbounded) is the
   * history bound while passive; null keeps the current one.
   */
  disable(length: number | null = 0): void {
    if (this.tagged === 3) this.emit({ type: 'untag' });
    if (length !== null) this.offNodes = length;
    this.hist.maxlen = length ?? this.offNodes;
    this.tagged = -1;
  }

  /** Feeds one decoded payload (what the transport's handler gets). */
  receive(payload: unknown): void {
    if (this.phase === 'new' || this.phase === 'stopped') return;
    if (this.sendRaw) {
      this.emit({ type: 'raw', msg: payload });
      if (this.stopped) return; // a listener stopped us
    }
    let msg: ActorMessage;
    try {
      msg = parseActorMessage(payload);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.log?.warn('dropped bad actor message', { error: e.message });
      return;
    }
    // actor.py:295-299: checked on arrival, even while the startup wait queues messages.
    // Somebody else's vers made our pending start-up one redundant (see announceWithin).
    if (msg.t === 'vers' && this.versTimer && msg.node !== this.name && msg.version >= this.versionMsg.version) {
      this.versTimer.cancel();
      this.versTimer = undefined;
    }
    if (msg.t === 'init' && msg.node === this.name) {
      if (this.selfSeen) {
        this.fail(new ActorCollisionError(this.name));
        return;
      }
      this.selfSeen = true;
    }
    if (this.phase === 'starting') {
      this.startQueue.push(msg);
      return;
    }
    this.step(msg);
  }

  // ---- the main loop (actor.py:303-367) ------------------------------------------------------

  private get nodes(): number {
    return this.tagged < 0 ? this.offNodes : this.versionMsg.nodes;
  }

  private afterStartup(): void {
    this.startTimer = undefined;
    if (this.announced && !this.selfSeen) {
      this.fail(new ActorTimeoutError(this.name));
      return;
    }
    this.phase = 'running';
    this.sendPing();
    this.loopTop(false);
    // Messages that arrived during the wait are handled now, after our first ping.
    const queued = this.startQueue.splice(0);
    for (const m of queued) {
      if (this.phase !== 'running') return;
      this.step(m);
    }
  }

  /** The top of Python's `while True` loop: decide how long to wait for the next message. */
  private loopTop(timedOut: boolean): void {
    if (this.phase !== 'running') return;
    const now = this.clock.now();
    let t: Millis;
    if (this.tagged === 0) {
      t = Math.max(this.nextPingTime - now, 0);
    } else if (timedOut || this.tDest - now <= 0) {
      if (this.tagged < 0) {
        t = 2 * this.config.gap * SEC;
      } else if (this.tagged === 1) {
        t = tagStageSeconds(this.config, 1) * SEC;
        this.tagged = 2;
      } else if (this.tagged === 2) {
        t = tagStageSeconds(this.config, 2) * SEC;
        this.emit({ type: 'tag', node: this.name, value: this.myValue });
        this.tagged = 3;
        this.validPings += 1;
      } else {
        t = tagStageSeconds(this.config, 3) * SEC;
        this.emit({ type: 'untag' });
        this.counter.countNotOn = 0;
        this.tagged = 0;
      }
      if (this.phase !== 'running') return; // a listener stopped us
      this.tDest = now + t;
    } else {
      t = this.tDest - now;
    }
    this.loopTimer = this.clock.setTimer(t, () => this.onLoopTimeout());
  }

  private onLoopTimeout(): void {
    this.loopTimer = undefined;
    if (this.tagged === 0) {
      this.sendPing();
      this.loopTop(false);
    } else {
      // The wait ended at tDest: the stage is over even if the clock fired a hair early.
      this.loopTop(true);
    }
  }

  private step(msg: ActorMessage): void {
    this.loopTimer?.cancel();
    this.loopTimer = undefined;
    // About to be tagged and something arrived: skip this turn, for safety (actor.py:358-361).
    if (this.tagged === 1) this.tagged = 0;
    if (this.processMsg(msg)) {
      if (this.tagged === 3) {
        this.emit({ type: 'untag' });
        this.counter.countNotOn = 0;
      }
      this.tagged = 0;
    }
    this.loopTop(false);
  }

  // ---- message handling (actor.py:425-562) ------------------------------------------------

  /** True if `msg` is a valid, not superseded ping. */
  private processMsg(msg: ActorMessage): boolean {
    if (this.phase !== 'running') return false;
    if (this.tagged < 0) {
      this.computeNextPingTime();
      this.queuePingEvent(msg);
      return false;
    }
    const prevNode = this.hist.first;

    if (msg.t === 'ping') {
      this.delays.pingSeen(msg.node, this.validPings);
    } else if (msg.t === 'init') {
      return false;
    } else if (msg.t === 'vers') {
      this.processVers(msg);
      return false;
    }

    const node = messageNode(msg)!;
    if (node === this.name) return false; // our own message, returned
    // Again from the sender we accepted last: should not happen, but Shit Happens.
    if (node === prevNode) return false;

    const thisVal = msg.value;
    this.values.set(node, thisVal);
    if (this.myValue === null && thisVal !== null) {
      this.emit({ type: 'good-node', nodes: msg.history.filter((h) => this.getValue(h) !== null) });
      if (this.phase !== 'running') return false;
    }

    if (msg.history.length > 0 && sameNames(msg.history.slice(1, 2), this.hist.slice(0, 1))) {
      // A recovery `hist` that follows our chain: we already started recovery when we sent ours.
      if (msg.t === 'hist') return false;
      // Our ping is under a gap old (a real follower waits at least a cycle after it) and
      // names the sender as our predecessor: the two pings crossed. The better one stands.
      if (
        this.fixCrossedPings &&
        this.tagged === 2 &&
        prevNode === this.name &&
        hasPriority(this.name, this.getValue(this.name), node, thisVal)
      ) {
        return false;
      }
      // The standard case: it follows the ping we accepted last.
      this.hist.add(node);
      this.computeNextPingTime();
      this.queuePingEvent(msg);
      return true;
    }

    // Colliding pings.
    const samePrev = msg.history.length > 0 && sameNames(msg.history.slice(1, 2), this.hist.slice(1, 2));
    const preferNew = prevNode === undefined || hasPriority(node, thisVal, prevNode, this.getValue(prevNode));
    const oldHist = this.hist.copy(0);
    if (preferNew) {
      this.hist = new History(this.nodes, msg.history);
      if (this.tagged !== 0) {
        if (this.tagged === 3) this.emit({ type: 'detag', node });
        this.tagged = 0;
      }
      this.computeNextPingTime();
      this.queuePingEvent(msg);
    }
    // Both pings follow the same previous ping: a plain collision.
    if (samePrev) return preferNew;

    // A healed network split (or a newcomer). Only nodes with a value take part in recovery.
    if (this.myValue !== null) {
      const pos = oldHist.indexOf(this.name);
      if (pos >= 0) {
        const remote = new History(0, msg.history);
        if (msg.t !== 'hist') remote.add(node);
        this.emit({
          type: 'recover',
          prio: pos,
          replace: preferNew,
          localNodes: oldHist.toArray(),
          remoteNodes: remote.toArray(),
        });
        if (this.phase !== 'running') return false;
        this.sendDelayPing(pos, oldHist.toArray());
      }
    }
    return preferNew;
  }

  /** actor.py:455-484: highest version wins; a lower one gets ours re-sent. */
  private processVers(msg: VersMessage): void {
    const cur = this.versionMsg.version;
    if (msg.version > cur) {
      this.versionMsg = msg;
      this.emit({
        type: 'setup',
        version: msg.version,
        cycle: msg.cycle,
        gap: msg.gap,
        nodes: msg.nodes,
        splits: msg.splits,
        n_hosts: msg.n_hosts,
      });
    } else if (msg.version < cur) {
      if (this.tagged > 1) {
        this.sendVersion();
      } else {
        const pos = this.hist.indexOf(this.name);
        if (pos >= 0) this.delays.scheduleVersion(pos, this.config.gap, () => this.sendVersion());
      }
    } else {
      this.delays.versionAnswered();
    }
  }

  // ---- sending ----------------------------------------------------------------------------

  private send(msg: ActorMessage): void {
    this.transport.send(msg);
  }

  /** Our config now (a pending start-up vers is then not needed any more). */
  private sendVersion(): void {
    this.versTimer?.cancel();
    this.versTimer = undefined;
    this.send(this.versionMsg);
  }

  /** actor.py:628-643: our ping puts us at history[0]; history[1] is our predecessor. */
  private sendPing(): void {
    if (this.tagged < 0) return;
    this.values.set(this.name, this.myValue);
    if (this.hist.length > 0) this.tagged = 1;
    this.hist.add(this.name);
    this.computeNextPingTime();
    const msg: PingMessage = {
      t: 'ping',
      node: this.name,
      value: this.myValue,
      history: this.hist.slice(0, this.config.splits),
    };
    this.send(msg);
  }

  /** A recovery `hist` on behalf of history[0], telling the other side about our side. */
  private sendHist(history: readonly NodeName[]): void {
    if (this.tagged < 0) return;
    const msg: HistMessage = {
      t: 'hist',
      value: this.getValue(history[0]!),
      history: history.slice(0, this.config.splits),
    };
    this.send(msg);
  }

  /** actor.py:649-685: each side of a merge sends one `hist`, nearest the front first. */
  private sendDelayPing(pos: number, history: readonly NodeName[]): void {
    this.delays.scheduleHist(history[0]!, pos, this.config.gap, this.nodes, this.validPings, () => {
      if (pos > 0) this.log?.info('PingDelay: no signal', { pos });
      this.sendHist(history);
    });
  }

  // ---- timing and events --------------------------------------------------------------------

  private computeNextPingTime(): void {
    const f = nextPingFactor(
      {
        self: this.name,
        history: this.hist.toArray(),
        hasValue: (n) => this.getValue(n) !== null,
        ready: this.ready,
        nodes: this.nodes,
        knownNodes: this.values.size,
        n_hosts: this.config.n_hosts,
        force_in: this.config.force_in,
      },
      () => this.rng.next(),
      this.counter,
    );
    this.nextPingTime = this.clock.now() + (this.config.cycle + this.config.gap * f) * SEC;
  }

  /** actor.py:211-223: one PingEvent per 2*gap window, carrying the window's last message. */
  private queuePingEvent(msg: ActorMessage): void {
    if (this.pingWindow !== undefined) {
      this.pingWindow.msg = msg;
      return;
    }
    const w = {
      msg,
      timer: this.clock.setTimer(2 * this.config.gap * SEC, () => {
        if (this.pingWindow !== w) return;
        this.pingWindow = undefined;
        if (this.tagged <= 0) {
          this.validPings += 1;
          const m = w.msg;
          this.emit({ type: 'ping', msg: m, node: messageNode(m), value: m.t === 'ping' || m.t === 'hist' ? m.value : null });
        }
      }),
    };
    this.pingWindow = w;
  }

  private emit(e: ActorEvent): void {
    this.hub.emit(e);
  }

  private fail(error: ActorError): void {
    this.log?.error(error.message);
    this.emit({ type: 'error', error });
    this.stop();
  }
}

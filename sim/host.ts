// One simulated machine: its address, whether its process is up or paused, and the gate every
// callback into its code passes through. A callback belongs to one life (epoch) of the process:
// after a crash it is dropped; while the process is paused it waits and runs on resume, late,
// as it would on a stalled CPU. On resume, expired timers run before held I/O (datagrams,
// stream events), each group in the order it fell due: that is what Node's event loop does
// after a stall (timers phase, then poll), and it is what makes a slow node time out probes
// whose acks are already sitting in its socket buffer.
import type { Addr, Clock, Millis, Timer } from '../gossip/runtime.js';
import type { Scheduler } from './scheduler.js';
import type { SeededRandom } from './prng.js';

export class SimHost {
  /** Bumped on every crash and restart; callbacks of an older life are dropped. */
  epoch = 0;
  up = false;
  paused = false;
  /** Times this process was started (first start is life 0). */
  lives = 0;
  private deferredTimers: (() => void)[] = [];
  private deferredIo: (() => void)[] = [];
  private nextEphemeral = 40000;
  /** The current life's datagram handler (undefined while down or not listening). */
  packetHandler: ((from: Addr, bytes: Uint8Array) => void) | undefined;

  constructor(
    readonly name: string,
    /** Stable small integer identifying the host in traces and link tables. */
    readonly index: number,
    readonly addr: Addr,
    /** The host's network randomness (loss, delay...): its own stream, so others are unperturbed. */
    readonly netRandom: SeededRandom,
    private readonly scheduler: Scheduler,
  ) {}

  /**
   * Wraps `fn` so it runs only in life `epoch`, and only while not paused (else on resume).
   * `io` marks network callbacks, which a resumed process handles after its expired timers.
   */
  gate(epoch: number, fn: () => void, io = false): () => void {
    const run = (): void => {
      if (this.epoch !== epoch) return;
      if (this.paused) (io ? this.deferredIo : this.deferredTimers).push(run);
      else fn();
    };
    return run;
  }

  /** Schedules `fn` in this life after `ms`, through the gate (`io`: see gate). */
  after(ms: Millis, fn: () => void, io = false): Timer {
    return this.scheduler.setTimer(ms, this.gate(this.epoch, fn, io));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const waiting = [...this.deferredTimers, ...this.deferredIo];
    this.deferredTimers = [];
    this.deferredIo = [];
    // Each as its own event now, so they interleave with others deterministically and a
    // handler that pauses the node again holds the rest.
    for (const run of waiting) this.scheduler.setTimer(0, run);
  }

  /** Ends the current life: every pending callback of it is dropped. */
  kill(): void {
    this.packetHandler = undefined;
    this.epoch++;
    this.up = false;
    this.paused = false;
    this.deferredTimers = [];
    this.deferredIo = [];
  }

  /** Starts a new life; returns its epoch. */
  boot(): number {
    this.packetHandler = undefined;
    this.epoch++;
    this.up = true;
    this.paused = false;
    this.lives++;
    return this.epoch;
  }

  ephemeralPort(): number {
    const p = this.nextEphemeral++;
    if (this.nextEphemeral > 65535) this.nextEphemeral = 40000;
    return p;
  }
}

/** The Clock a node's code sees: virtual time, timers gated to its life. */
export class NodeClock implements Clock {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly host: SimHost,
    private readonly epoch: number,
  ) {}
  now(): Millis {
    return this.scheduler.now();
  }
  setTimer(ms: Millis, fn: () => void): Timer {
    return this.scheduler.setTimer(ms, this.host.gate(this.epoch, fn));
  }
}

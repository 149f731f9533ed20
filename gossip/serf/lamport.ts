// Serf's Lamport clocks (one each for membership, user events and queries).
// LTime is a uint64 on the wire; we keep it as a JS number because a cluster would need
// 2^53 messages to overflow it, and decoders reject anything beyond the safe range.

/** A Lamport time (uint64 on the wire, always a safe non-negative integer here). */
export type LTime = number;

export class LamportClock {
  private counter: LTime;

  constructor(start: LTime = 0) {
    this.counter = start;
  }

  time(): LTime {
    return this.counter;
  }

  /** Advances the clock and returns the new value. */
  increment(): LTime {
    this.counter += 1;
    return this.counter;
  }

  /**
   * Moves the clock past a time seen from another process: afterwards it is at least `v + 1`.
   * Old times (v < current) leave it alone; v == current still bumps it, as Go's does.
   */
  witness(v: LTime): void {
    if (v < this.counter) return;
    this.counter = v + 1;
  }
}

// Lifeguard's dynamic suspicion timeout: a suspect is declared dead after `max` if nobody else
// confirms the suspicion, shrinking logarithmically towards `min` as k independent peers confirm
// it (memberlist suspicion.go). Timers run on the runtime Clock.
import type { Clock, Millis, Timer } from '../runtime.js';
import type { NodeName } from './node.js';

/** memberlist's suspicionTimeout: SuspicionMult · max(1, log10(max(1, n))) · ProbeInterval. */
export function suspicionTimeout(suspicionMult: number, n: number, probeInterval: Millis): Millis {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  // Go truncates nodeScale·1000 to an integer Duration before scaling.
  return (suspicionMult * Math.trunc(nodeScale * 1000) * probeInterval) / 1000;
}

/** Time left after `n` of `k` expected confirmations, `elapsed` after the suspicion began. */
export function remainingSuspicionTime(n: number, k: number, elapsed: Millis, min: Millis, max: Millis): Millis {
  const frac = Math.log(n + 1) / Math.log(k + 1);
  const raw = max / 1000 - frac * (max / 1000 - min / 1000);
  const timeout = Math.max(Math.floor(1000 * raw), min);
  return timeout - elapsed;
}

export class Suspicion {
  private confirmationsCount = 0;
  private readonly confirmations = new Set<NodeName>();
  private readonly start: Millis;
  private timer: Timer;
  private fired = false;

  /**
   * @param k confirmations expected before the timeout reaches `min` (0: use `min` at once)
   * @param onTimeout called once with the number of confirmations received
   */
  constructor(
    private readonly clock: Clock,
    from: NodeName,
    private readonly k: number,
    private readonly min: Millis,
    private readonly max: Millis,
    private readonly onTimeout: (confirmations: number) => void,
  ) {
    this.confirmations.add(from);
    this.start = clock.now();
    this.timer = clock.setTimer(k < 1 ? min : max, () => this.fire());
  }

  private fire(): void {
    if (this.fired) return;
    this.fired = true;
    this.onTimeout(this.confirmationsCount);
  }

  /** A new independent accusation; true if it was new (so worth re-gossiping). */
  confirm(from: NodeName): boolean {
    if (this.confirmationsCount >= this.k) return false;
    if (this.confirmations.has(from)) return false;
    this.confirmations.add(from);
    this.confirmationsCount++;
    if (this.fired) return true;
    const remaining = remainingSuspicionTime(
      this.confirmationsCount,
      this.k,
      this.clock.now() - this.start,
      this.min,
      this.max,
    );
    this.timer.cancel();
    this.timer = this.clock.setTimer(Math.max(remaining, 0), () => this.fire());
    return true;
  }

  /** Stops the timer (the suspicion was resolved by an alive or dead message). */
  cancel(): void {
    this.fired = true;
    this.timer.cancel();
  }

  get numConfirmations(): number {
    return this.confirmationsCount;
  }
}

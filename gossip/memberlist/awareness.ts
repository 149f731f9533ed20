// Lifeguard's local health ("awareness"): a score in [0, max-1] that rises when we fail to
// probe (and peers' nacks suggest the fault is ours) or must refute an accusation, and falls
// with each successful probe. Probe interval and timeout are scaled by score+1, so a node that
// is itself slow backs off instead of accusing healthy peers.
import type { Millis } from '../runtime.js';

export class Awareness {
  private score = 0;

  constructor(private readonly max: number) {}

  applyDelta(delta: number): void {
    this.score = Math.min(Math.max(this.score + delta, 0), this.max - 1);
  }

  healthScore(): number {
    return this.score;
  }

  scaleTimeout(timeout: Millis): Millis {
    return timeout * (this.score + 1);
  }
}

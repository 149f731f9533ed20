// The delayed sends after a merge or an old config (asyncactor actor.py:649-708): the node at
// history position pos waits gap*(1-2^-pos), so position 0 answers at once and the others only
// if nobody nearer the front did.
import type { Clock, Millis, Timer } from '../../gossip/runtime.js';
import type { NodeName } from './messages.js';
import { positionDelaySeconds } from './timing.js';

const SEC: Millis = 1000;

/** A pending `hist` for a node (Python: an Event in `_recover_pings`); a number records a ping. */
interface Pending {
  readonly timer: Timer;
}

export class RecoveryDelays {
  private readonly recoverPings = new Map<NodeName, Pending | number>();
  private versionJob: Timer | undefined;

  constructor(private readonly clock: Clock) {}

  /**
   * A ping from `node` arrived (actor.py:443-451): it makes a pending `hist` on its behalf
   * unnecessary; otherwise remember when, as it may have arrived before its cause.
   */
  pingSeen(node: NodeName, validPings: number): void {
    const w = this.recoverPings.get(node);
    if (w !== undefined && typeof w !== 'number') {
      w.timer.cancel();
      this.recoverPings.delete(node);
    } else {
      this.recoverPings.set(node, validPings);
    }
  }

  /**
   * Schedules `send` (our side's `hist`, on behalf of `node` = our old history[0]) unless one is
   * already pending for that node (actor.py:658-685). A ping recorded from `node` more than
   * nodes/2 valid pings ago also suppresses it — copied as is from asyncactor.
   */
  scheduleHist(node: NodeName, pos: number, gap: number, nodes: number, validPings: number, send: () => void): void {
    const cur = this.recoverPings.get(node);
    if (cur !== undefined) {
      if (typeof cur !== 'number') return;
      if (nodes > 1 && cur < validPings - nodes / 2) {
        this.recoverPings.delete(node);
        return;
      }
    }
    const ms = positionDelaySeconds(gap, pos) * SEC;
    // Position 0 sends at once: in Python the zero-timeout task sends before the actor handles
    // its next message, so a ping arriving in the same instant cannot cancel it.
    if (ms <= 0) {
      send();
      return;
    }
    const wait: Pending = {
      timer: this.clock.setTimer(ms, () => {
        if (this.recoverPings.get(node) !== wait) return; // superseded
        this.recoverPings.delete(node);
        send();
      }),
    };
    this.recoverPings.set(node, wait);
  }

  /** Re-send our newer config after the position delay; a newer call replaces a pending one. */
  scheduleVersion(pos: number, gap: number, send: () => void): void {
    this.versionJob?.cancel();
    this.versionJob = undefined;
    const ms = positionDelaySeconds(gap, pos) * SEC;
    if (ms <= 0) {
      send(); // as for `hist`: position 0 answers at once
      return;
    }
    const job = this.clock.setTimer(ms, () => {
      if (this.versionJob === job) this.versionJob = undefined;
      send();
    });
    this.versionJob = job;
  }

  /** Someone else already sent our config version: ours is not needed (actor.py:480-483). */
  versionAnswered(): void {
    this.versionJob?.cancel();
    this.versionJob = undefined;
  }

  cancelAll(): void {
    this.versionJob?.cancel();
    this.versionJob = undefined;
    for (const w of this.recoverPings.values()) if (typeof w !== 'number') w.timer.cancel();
    this.recoverPings.clear();
  }
}

// Partition heal (reference §2.6, python `recover_split` + `_RecoverControl`): after the actor
// reports diverging histories, the nodes of each side's recent history take turns (by `prio`,
// 0 = the side's latest pinger) to broadcast `info {ticks}`, then `info {missing}`, and then
// every node re-sends what the other side lacks. An `info` from a node of our side's history
// pre-empts our own step ("someone already said it").
import { type Clock, sleep } from '../../gossip/runtime.js';
import type { NodeName } from '../node-ticks.js';

/** One running recovery (python `_RecoverControl`). */
export class RecoverControl {
  private static lastId = 0;
  readonly id = ++RecoverControl.lastId;
  localHistory: NodeName[];
  readonly sources: NodeName[];
  cancelled = false;
  private readonly fired = new Set<number>();
  private readonly waiters = new Map<number, (() => void)[]>();

  constructor(
    private readonly tasks: Map<NodeName, RecoverControl>,
    readonly prio: number,
    localHistory: readonly NodeName[],
    sources: readonly NodeName[],
  ) {
    const l = new Set(localHistory);
    const s = new Set(sources);
    this.localHistory = [...l].filter((n) => !s.has(n));
    this.sources = [...s].filter((n) => !l.has(n));
  }

  /** Claim our side's nodes; older recoveries that lose all their nodes cancel themselves. */
  start(): void {
    const older = new Set<RecoverControl>();
    for (const n of this.localHistory) {
      const x = this.tasks.get(n);
      if (x && x !== this) older.add(x);
      this.tasks.set(n, this);
    }
    for (const t of older) t.check();
  }

  private check(): void {
    this.localHistory = this.localHistory.filter((n) => this.tasks.get(n) === this);
    if (!this.localHistory.length) this.cancel();
  }

  cancel(): void {
    this.cancelled = true;
    for (const n of this.localHistory) if (this.tasks.get(n) === this) this.tasks.delete(n);
    this.localHistory = [];
    for (const n of [...this.waiters.keys()]) this.set(n);
  }

  /** Step `n` was done by somebody of our side. */
  set(n: number): void {
    this.fired.add(n);
    const w = this.waiters.get(n);
    this.waiters.delete(n);
    for (const f of w ?? []) f();
  }

  /** Step `n` was done by somebody of our side. */
  done(n: number): boolean {
    return this.fired.has(n);
  }

  /** Waits up to `ms` for step `n`; true when it fired (or we were cancelled). */
  wait(clock: Clock, n: number, ms: number): Promise<boolean> {
    if (this.fired.has(n)) return Promise.resolve(true);
    if (ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = clock.setTimer(ms, () => resolve(this.fired.has(n)));
      const list = this.waiters.get(n) ?? [];
      list.push(() => {
        t.cancel();
        resolve(true);
      });
      this.waiters.set(n, list);
    });
  }
}

export interface RecoveryHost {
  readonly clock: Clock;
  readonly tasks: Map<NodeName, RecoverControl>;
  readonly stopped: boolean;
  /** Seconds. */
  cycle(): number;
  sendTicks(): void;
  sendMissing(force: boolean): void;
  /**
   * Before step 2: fetch what we lack point-to-point (pull.ts), so the forced `info {missing}`
   * names only the rest and holders do not re-broadcast what our servers pulled anyway.
   */
  pullFirst?: (() => Promise<void>) | undefined;
  runSendMissing(prio: number): void;
  clearSeen(): void;
}

/** python `recover_split`. */
export async function recoverSplit(h: RecoveryHost, prio: number, localNodes: readonly NodeName[], remoteNodes: readonly NodeName[]): Promise<void> {
  // python: only if one of the sources is not yet being recovered with
  if (remoteNodes.every((n) => h.tasks.has(n))) return;
  const t = new RecoverControl(h.tasks, prio, localNodes, remoteNodes);
  t.start();
  try {
    const clock = h.cycle() * 1000;
    const f = 1 / 2 ** Math.min(prio, 30);
    // Step 1: ticks (prio 0: at once)
    if (!(await t.wait(h.clock, 1, clock * (1 - f))) && !t.cancelled && !h.stopped) h.sendTicks();
    if (t.cancelled || h.stopped) return;
    // Step 2: missing (prio 0: after clock/2, so several sides' ticks can arrive first)
    if (!(await t.wait(h.clock, 2, (clock * (2 - f)) / 2)) && !t.cancelled && !h.stopped) {
      await h.pullFirst?.();
      if (!t.done(2) && !t.cancelled && !h.stopped) h.sendMissing(true);
    }
    if (t.cancelled || h.stopped) return;
    await sleep(h.clock, clock * (1 - f));
    if (t.cancelled || h.stopped) return;
    // Step 3: re-send what was reported
    h.runSendMissing(prio);
  } finally {
    h.clearSeen();
    t.cancel();
  }
}

// Latency histograms in Prometheus' shape (cumulative `le` buckets, `_sum`, `_count`), cheap to
// feed on the hot path: observe() is a short scan of fixed bounds (most requests land in the
// first buckets) and one increment; nothing is allocated. Buckets are kept per bucket and made
// cumulative only when rendered.
import type { Metric, Sample } from './exposition.js';

/** Upper bounds in seconds: 100 µs … 10 s, as Prometheus' default buckets stretched down for a fast server. */
export const LATENCY_BUCKETS_S: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram {
  private readonly boundsMs: Float64Array;
  /** Per bucket (not cumulative); the last one is +Inf. */
  private readonly counts: Float64Array;
  private sumMs = 0;

  constructor(readonly boundsS: readonly number[] = LATENCY_BUCKETS_S) {
    this.boundsMs = Float64Array.from(boundsS, (b) => b * 1000);
    this.counts = new Float64Array(boundsS.length + 1);
  }

  observeMs(ms: number): void {
    const b = this.boundsMs;
    let i = 0;
    while (i < b.length && ms > b[i]!) i++;
    this.counts[i]!++;
    this.sumMs += ms;
  }

  get count(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }

  /** The `_bucket`, `_sum` and `_count` samples, with `labels` on each. */
  samples(labels: Record<string, string> = {}): Sample[] {
    const out: Sample[] = [];
    let cum = 0;
    for (let i = 0; i < this.counts.length; i++) {
      cum += this.counts[i]!;
      const le = i < this.boundsS.length ? String(this.boundsS[i]) : '+Inf';
      out.push({ suffix: '_bucket', labels: { ...labels, le }, value: cum });
    }
    out.push({ suffix: '_sum', labels, value: this.sumMs / 1000 }, { suffix: '_count', labels, value: cum });
    return out;
  }
}

/**
 * One histogram per client command (label `command`), made on first use, fed at a few clock reads
 * per event-loop turn rather than two per request (a clock read costs ~0.3 µs on this VM's
 * kvm-clock, as much as a cheap request): start() reads the clock once per turn — every request
 * of one incoming chunk arrived together — and end() queues the request, all of a turn's ends
 * being stamped by one read in a microtask, after the replies of that turn were written (the
 * client protocol flushes them in an earlier microtask).
 */
export class CommandTimers {
  private readonly byCommand = new Map<string, Histogram>();
  private turnStart = -1;
  private readonly endedCmd: string[] = [];
  private readonly endedT0: number[] = [];

  private readonly newTurn = (): void => {
    this.turnStart = -1;
  };

  private readonly stampEnds = (): void => {
    const now = performance.now();
    const cmd = this.endedCmd;
    const t0 = this.endedT0;
    for (let i = 0; i < cmd.length; i++) this.observe(cmd[i]!, now - t0[i]!);
    cmd.length = 0;
    t0.length = 0;
  };

  /** When a request arrived (ms, performance.now's clock): the first read of this turn. */
  start(): number {
    if (this.turnStart < 0) {
      this.turnStart = performance.now();
      queueMicrotask(this.newTurn);
    }
    return this.turnStart;
  }

  /** The request that arrived at `t0` (start()) has been answered. */
  end(command: string, t0: number): void {
    if (this.endedCmd.push(command) === 1) queueMicrotask(this.stampEnds);
    this.endedT0.push(t0);
  }

  observe(command: string, ms: number): void {
    let h = this.byCommand.get(command);
    if (!h) this.byCommand.set(command, (h = new Histogram()));
    h.observeMs(ms);
  }

  histogram(command: string): Histogram | undefined {
    return this.byCommand.get(command);
  }

  metric(): Metric {
    const samples: Sample[] = [];
    for (const [command, h] of [...this.byCommand].sort(([a], [b]) => (a < b ? -1 : 1))) samples.push(...h.samples({ command }));
    return {
      name: 'distkv.client.request.duration_seconds',
      type: 'histogram',
      help: 'time from a client request read to its reply written (with -data-dir fsync ack: the fsync wait included), by command; streams that were stopped are not counted',
      samples,
    };
  }
}

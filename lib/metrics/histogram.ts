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
 * A client connection's request timing, at two clock reads per exchange rather than two per
 * request (a clock read costs 65–150 ns of CPU on this VM's kvm-clock, a pipelined request ~5 µs
 * in all): start() reads the clock at the first request of an incoming chunk — the chunk's
 * requests arrived together — and chunkDone() forgets it; end() notes a request whose reply was
 * just queued, and written() stamps every noted one with one read once the replies went out (the
 * client protocol writes a turn's replies together). No timers, no microtasks of its own.
 */
export class ConnectionTimer {
  private arrived = -1;
  private readonly cmd: string[] = [];
  private readonly t0: number[] = [];

  constructor(private readonly timers: CommandTimers) {}

  /** When the request being handled arrived (ms, performance.now's clock). */
  start(): number {
    if (this.arrived < 0) this.arrived = performance.now();
    return this.arrived;
  }

  /** The incoming chunk's requests have all been handled: the next one reads the clock again. */
  chunkDone(): void {
    this.arrived = -1;
  }

  /** The reply to the request that arrived at `t0` is queued (call it before queueing). */
  end(command: string, t0: number): void {
    this.cmd.push(command);
    this.t0.push(t0);
  }

  /** The queued replies were written. */
  written(): void {
    const n = this.cmd.length;
    if (!n) return;
    const now = performance.now();
    for (let i = 0; i < n; i++) this.timers.observe(this.cmd[i]!, now - this.t0[i]!);
    this.cmd.length = 0;
    this.t0.length = 0;
  }
}

/** One histogram per client command (label `command`), made on first use. */
export class CommandTimers {
  private readonly byCommand = new Map<string, Histogram>();

  /** A timer for one more client connection. */
  connection(): ConnectionTimer {
    return new ConnectionTimer(this);
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

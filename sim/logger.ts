// A Logger that keeps records in memory, stamped with virtual time and the node's name, and
// optionally prints them. Bounded, so a long run with chatty nodes cannot exhaust memory.
import type { Clock, Logger, LogLevel } from '../gossip/runtime.js';

export interface LogRecord {
  t: number;
  node: string;
  level: LogLevel;
  subsystem: string;
  message: string;
  fields?: Record<string, unknown>;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface MemoryLogOptions {
  /** Records below this level are discarded (default 'info'). */
  level?: LogLevel;
  /** Print each kept record to stderr. */
  print?: boolean;
  /** Oldest records are dropped beyond this many (default 100 000). */
  max?: number;
}

export class MemoryLog {
  readonly records: LogRecord[] = [];
  private readonly min: number;
  private readonly print: boolean;
  private readonly max: number;
  /** Records discarded because the buffer was full. */
  overflow = 0;

  constructor(
    private readonly clock: Clock,
    opts: MemoryLogOptions = {},
  ) {
    this.min = RANK[opts.level ?? 'info'];
    this.print = opts.print ?? false;
    this.max = opts.max ?? 100_000;
  }

  /** The Logger handed to node `node`'s code. */
  forNode(node: string): Logger {
    return {
      log: (level, subsystem, message, fields) => this.add(node, level, subsystem, message, fields),
    };
  }

  add(node: string, level: LogLevel, subsystem: string, message: string, fields?: Record<string, unknown>): void {
    if (RANK[level] < this.min) return;
    const rec: LogRecord = { t: this.clock.now(), node, level, subsystem, message, fields };
    if (this.records.length >= this.max) {
      // Drop the older half at once: amortised O(1), unlike shifting one record per add.
      const n = Math.max(1, this.max >> 1);
      this.records.splice(0, n);
      this.overflow += n;
    }
    this.records.push(rec);
    if (this.print) process.stderr.write(formatRecord(rec) + '\n');
  }

  /** Records matching a level (and above) and/or node. */
  find(opts: { node?: string; level?: LogLevel; subsystem?: string; text?: string }): LogRecord[] {
    const min = RANK[opts.level ?? 'debug'];
    return this.records.filter(
      (r) =>
        RANK[r.level] >= min &&
        (opts.node === undefined || r.node === opts.node) &&
        (opts.subsystem === undefined || r.subsystem === opts.subsystem) &&
        (opts.text === undefined || r.message.includes(opts.text)),
    );
  }
}

export function formatRecord(r: LogRecord): string {
  const f = r.fields && Object.keys(r.fields).length ? ' ' + JSON.stringify(r.fields) : '';
  return `${(r.t / 1000).toFixed(3).padStart(9)}s ${r.node} ${r.level.toUpperCase()} [${r.subsystem}] ${r.message}${f}`;
}

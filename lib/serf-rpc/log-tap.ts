// The agent's log as `serf monitor` streams it: every record becomes a Go-log-style line
// ("2006/01/02 15:04:05 [INFO] serf: message k=v"), kept in a ring of the last 512 (replayed to a
// new monitor, as Serf's logWriter does) and handed to the registered monitors. Wraps the
// runtime's logger so protocol code logs as usual.
import type { LogLevel, Logger } from '../../gossip/runtime.js';
import { formatText } from '../runtime/logger.js';

/** Serf's log levels (logutils), lowest first. */
export const SERF_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERR'] as const;
export type SerfLevel = (typeof SERF_LEVELS)[number];

const OURS_TO_SERF: Record<LogLevel, SerfLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERR' };

export function isSerfLevel(s: string): s is SerfLevel {
  return (SERF_LEVELS as readonly string[]).includes(s);
}

/** logutils.LevelFilter.Check: lines carrying a "[LEVEL]" below `min` are dropped; others pass. */
export function levelPasses(min: SerfLevel, line: string): boolean {
  const m = /\[([A-Z]+)\]/.exec(line);
  if (!m || !isSerfLevel(m[1]!)) return true;
  return SERF_LEVELS.indexOf(m[1]) >= SERF_LEVELS.indexOf(min);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Go's log.LstdFlags timestamp, local time. */
export function goLogTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function goLogLine(time: number, level: LogLevel, subsystem: string, message: string, fields?: Record<string, unknown>): string {
  // Reuse the runtime's field rendering; swap its ISO time and level tag for Go's.
  const text = formatText({ time, level, subsystem, message, fields }).trimEnd();
  const rest = text.slice(text.indexOf(']') + 1);
  return `${goLogTime(time)} [${OURS_TO_SERF[level]}]${rest}`;
}

export type LogHandler = (line: string) => void;

export class LogTap implements Logger {
  private readonly ring: string[] = [];
  private next = 0;
  private readonly handlers = new Set<LogHandler>();

  constructor(
    private readonly inner: Logger,
    private readonly size = 512,
    private readonly now: () => number = Date.now,
  ) {}

  log(level: LogLevel, subsystem: string, message: string, fields?: Record<string, unknown>): void {
    this.inner.log(level, subsystem, message, fields);
    // Debug lines are only rendered when someone may read them.
    if (level === 'debug' && this.handlers.size === 0) return;
    this.line(goLogLine(this.now(), level, subsystem, message, fields));
  }

  /** Adds an already formatted line (e.g. the agent's own messages). */
  line(line: string): void {
    if (this.ring.length < this.size) this.ring.push(line);
    else this.ring[this.next] = line;
    this.next = (this.next + 1) % this.size;
    for (const h of [...this.handlers]) {
      try {
        h(line);
      } catch {
        // A broken monitor must not break logging.
      }
    }
  }

  /** Registers `h`, replaying the ring (oldest first) into it. Returns the deregistration. */
  register(h: LogHandler): () => void {
    const n = this.ring.length;
    const start = n < this.size ? 0 : this.next;
    for (let i = 0; i < n; i++) h(this.ring[(start + i) % n]!);
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }
}

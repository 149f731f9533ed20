// Structured loggers for real nodes: a level filter, then one line per record on stderr, either
// Serf-like text (`2026-11-28T15:24:43.123Z [INFO] memberlist: msg key=value`) or JSON lines
// for machines. MemoryLogger keeps records for tests that assert on what was logged.
import type { LogLevel, Logger } from '../../gossip/runtime.js';

export type LogFormat = 'text' | 'json';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(s: string): s is LogLevel {
  return Object.hasOwn(RANK, s);
}

/** Parses a user-given level; Serf's spellings ('trace', 'warning', 'err') map to ours. */
export function parseLogLevel(s: string): LogLevel {
  const l = s.toLowerCase();
  if (isLogLevel(l)) return l;
  if (l === 'trace') return 'debug';
  if (l === 'warning') return 'warn';
  if (l === 'err') return 'error';
  throw new Error(`unknown log level '${s}' (debug, info, warn, error)`);
}

export function levelEnabled(min: LogLevel, level: LogLevel): boolean {
  return RANK[level] >= RANK[min];
}

export interface LogRecord {
  /** Wall-clock ms since the epoch (for humans; protocol time is the Clock's). */
  time: number;
  level: LogLevel;
  subsystem: string;
  message: string;
  fields?: Record<string, unknown>;
}

export interface StreamLoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go (default: process.stderr). Each call gets one line ending in '\n'. */
  write?: (line: string) => void;
}

export class StreamLogger implements Logger {
  readonly level: LogLevel;
  readonly format: LogFormat;
  private readonly write: (line: string) => void;

  constructor(opts: StreamLoggerOptions = {}) {
    this.level = opts.level ?? 'info';
    this.format = opts.format ?? 'text';
    this.write = opts.write ?? ((line) => void process.stderr.write(line));
  }

  log(level: LogLevel, subsystem: string, message: string, fields?: Record<string, unknown>): void {
    if (!levelEnabled(this.level, level)) return;
    const rec: LogRecord = { time: Date.now(), level, subsystem, message, fields };
    this.write(this.format === 'json' ? formatJson(rec) : formatText(rec));
  }
}

export class MemoryLogger implements Logger {
  readonly records: LogRecord[] = [];

  constructor(readonly level: LogLevel = 'debug') {}

  log(level: LogLevel, subsystem: string, message: string, fields?: Record<string, unknown>): void {
    if (levelEnabled(this.level, level)) this.records.push({ time: Date.now(), level, subsystem, message, fields });
  }

  /** Records whose message contains `text` (and, if given, at exactly `level`). */
  find(text: string, level?: LogLevel): LogRecord[] {
    return this.records.filter((r) => r.message.includes(text) && (level === undefined || r.level === level));
  }

  clear(): void {
    this.records.length = 0;
  }

  /** Text lines, for printing when a test fails. */
  dump(): string {
    return this.records.map(formatText).join('');
  }
}

/** Drops everything (for benchmarks). */
export const nullLogger: Logger = { log() {} };

export function formatText(r: LogRecord): string {
  let line = `${new Date(r.time).toISOString()} [${r.level.toUpperCase()}] ${r.subsystem}: ${r.message}`;
  if (r.fields) {
    for (const [k, v] of Object.entries(r.fields)) {
      if (v === undefined) continue;
      const s = fieldText(v);
      line += ` ${k}=${/^[^\s"=]+$/.test(s) ? s : JSON.stringify(s)}`;
    }
  }
  return line + '\n';
}

export function formatJson(r: LogRecord): string {
  const out: Record<string, unknown> = {
    time: new Date(r.time).toISOString(),
    level: r.level,
    subsystem: r.subsystem,
    msg: r.message,
  };
  if (r.fields) for (const [k, v] of Object.entries(r.fields)) if (!(k in out)) out[k] = jsonSafe(v);
  return JSON.stringify(out) + '\n';
}

const MAX_BYTES_SHOWN = 64;

function hex(b: Uint8Array): string {
  const shown = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, MAX_BYTES_SHOWN)).toString('hex');
  return b.length > MAX_BYTES_SHOWN ? `${shown}…(${b.length} bytes)` : shown;
}

function fieldText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return hex(v);
  if (v instanceof Error) return v.message;
  if (typeof v === 'object' && v !== null) {
    try {
      return JSON.stringify(jsonSafe(v));
    } catch {
      return String(v);
    }
  }
  return String(v);
}

// Log fields come from protocol code and may hold bytes, bigints, errors or cycles; a log call
// must never throw because of them.
function jsonSafe(v: unknown, depth = 0): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return hex(v);
  if (v instanceof Error) return { error: v.name, message: v.message, ...('code' in v ? { code: v.code } : {}) };
  if (depth > 4) return '…';
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x, depth + 1));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonSafe(x, depth + 1)]));
  if (typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = jsonSafe(x, depth + 1);
    return o;
  }
  return String(v);
}

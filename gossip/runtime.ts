// The seams: everything that could make a run non-reproducible enters protocol code through
// these interfaces. lib/runtime/ implements them over Node; sim/ implements them over a virtual
// clock and an in-memory network. Protocol code (gossip/, store/) must not be able to tell which.

/** Milliseconds on a monotonic clock (not wall time). */
export type Millis = number;

export interface Timer {
  /** Idempotent; cancelling a fired timer is a no-op. */
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds; may be fractional. Only differences are meaningful. */
  now(): Millis;
  /** Runs `fn` once, `ms` from now (ms <= 0 means "as soon as possible", never synchronously). */
  setTimer(ms: Millis, fn: () => void): Timer;
}

/** A seeded PRNG stream. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n); n >= 1. */
  int(n: number): number;
  /** Fisher-Yates in place; returns `arr`. */
  shuffle<T>(arr: T[]): T[];
  /** n pseudo-random bytes (nonces, ids). Real runtime: cryptographically strong. */
  bytes(n: number): Uint8Array;
  /**
   * An independent stream for one concern ("probe", "suspicion", ...): derived from this stream's
   * seed and the label only, so adding a new concern never perturbs existing ones.
   */
  fork(label: string): Random;
}

/** A transport endpoint. `host` is an IPv4/IPv6 literal (loopback by default). */
export interface Addr {
  readonly host: string;
  readonly port: number;
}

export function addrKey(a: Addr): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export function sameAddr(a: Addr, b: Addr): boolean {
  return a.port === b.port && a.host === b.host;
}

/** Why a transport operation failed. Never thrown as anything but TransportError. */
export type TransportErrorCode =
  | 'timeout' // connect or operation timed out
  | 'refused' // nobody listens / partitioned away on connect
  | 'closed' // used after close/end
  | 'reset' // peer or network broke an open stream
  | 'unreachable'
  | 'too-big' // datagram over the transport's limit
  | 'io'; // anything else the OS reported

export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** UDP-like: unreliable, unordered datagrams. */
export interface PacketTransport {
  localAddr(): Addr;
  /** Fire and forget; failures are logged by the transport, not thrown (UDP semantics). */
  sendTo(to: Addr, bytes: Uint8Array): void;
  /** One handler; a later call replaces it. */
  onPacket(handler: (from: Addr, bytes: Uint8Array) => void): void;
  close(): Promise<void>;
}

/** A TCP-like reliable, ordered byte duplex. */
export interface Stream {
  readonly remote: Addr;
  readonly local: Addr;
  /** Queues bytes; returns false when the caller should wait for onDrain (backpressure). */
  write(bytes: Uint8Array): boolean;
  onData(handler: (bytes: Uint8Array) => void): void;
  onDrain(handler: () => void): void;
  /**
   * Called once when the stream is finished: with no error after an orderly end by the peer
   * or by us, with a TransportError when it broke.
   */
  onClose(handler: (err?: TransportError) => void): void;
  /** Orderly half-close after queued bytes are flushed. */
  end(): void;
  /** Immediate teardown. */
  destroy(err?: TransportError): void;
  readonly closed: boolean;
}

export interface StreamTransport {
  localAddr(): Addr;
  /** Rejects with TransportError ('timeout' | 'refused' | 'unreachable' | 'io'). */
  connect(to: Addr, timeoutMs: Millis): Promise<Stream>;
  /** One handler for inbound streams; a later call replaces it. */
  onStream(handler: (s: Stream) => void): void;
  close(): Promise<void>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, subsystem: string, message: string, fields?: Record<string, unknown>): void;
}

/** Everything a node's protocol code may use from the outside world. */
export interface NodeRuntime {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly packets: PacketTransport;
  readonly streams: StreamTransport;
}

/** A logger bound to one subsystem, so call sites stay short. */
export class SubLogger {
  constructor(
    private readonly logger: Logger,
    readonly subsystem: string,
  ) {}
  debug(message: string, fields?: Record<string, unknown>): void {
    this.logger.log('debug', this.subsystem, message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.logger.log('info', this.subsystem, message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.logger.log('warn', this.subsystem, message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.logger.log('error', this.subsystem, message, fields);
  }
}

/** Promise that resolves after `ms` on the given clock (works with virtual time). */
export function sleep(clock: Clock, ms: Millis): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}

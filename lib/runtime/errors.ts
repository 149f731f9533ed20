// Node's errno codes, mapped onto the seams' TransportError codes so protocol code can react
// (retry, mark a peer suspect) without knowing it runs over real sockets.
import { TransportError, type TransportErrorCode } from '../../gossip/runtime.js';

const BY_ERRNO: Record<string, TransportErrorCode> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ENETUNREACH: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  EAFNOSUPPORT: 'unreachable',
  EMSGSIZE: 'too-big',
  ERR_SOCKET_DGRAM_NOT_RUNNING: 'closed',
  ERR_STREAM_DESTROYED: 'closed',
  ERR_STREAM_WRITE_AFTER_END: 'closed',
  ERR_SOCKET_CLOSED: 'closed',
};

// Hints for the errors an operator can do something about.
const HINTS: Record<string, string> = {
  EADDRINUSE: 'address already in use (another agent on this port? pick another -bind port)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this machine (check the -bind host)',
  EMFILE: 'too many open files (raise `ulimit -n`)',
  ENFILE: 'system file table full',
};

export function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

export function describeErrno(e: unknown): string {
  const code = errnoOf(e);
  const base = e instanceof Error ? e.message : String(e);
  const hint = code ? HINTS[code] : undefined;
  return hint ? `${hint} [${code}]` : base;
}

/** Wraps any error from Node's networking into a TransportError (idempotent). */
export function toTransportError(e: unknown, what: string, fallback: TransportErrorCode = 'io'): TransportError {
  if (e instanceof TransportError) return e;
  const code = errnoOf(e);
  const mapped = (code && BY_ERRNO[code]) || fallback;
  return new TransportError(mapped, `${what}: ${describeErrno(e)}`, e);
}

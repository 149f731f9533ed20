// asyncactor 0.22.1's four message types (asyncactor/messages.py), as the plain maps it packs.
// Key order follows Python's `Message.pack()` (the `t` key, then attributes in the order they were
// set), so a msgpack encoder that keeps insertion order produces the same bytes as DistKV.
import { DecodeError } from '../../gossip/decode-error.js';
import { PyFloat } from '../codec-value.js';

/** A node's name as it appears in `node` and `history` (DistKV: the server name). */
export type NodeName = string;

/**
 * What a node attaches to its pings (DistKV's main actor: `[tock, tick]`, or null before the
 * server is ready). Anything msgpack carries; null means "not ready" and always loses.
 */
export type ActorValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyFloat
  | readonly ActorValue[]
  | { readonly [key: string]: ActorValue };

/** Configuration shared network-wide through `vers` messages; times are seconds (as on the wire). */
export interface ActorConfig {
  /** Seconds between pings; a tagged node is "it" for about this long. */
  readonly cycle: number;
  /** Extra seconds to agree on the next pinger; cycle >= 3*gap. */
  readonly gap: number;
  /** Max history length (-1 or 0: unbounded, "all of them"). */
  readonly nodes: number;
  /** How many history names a ping carries. */
  readonly splits: number;
  /** Rough number of participants (scales the chance of jumping onto the chain). */
  readonly n_hosts: number;
  /** Highest version wins network-wide; bump by 2 or more when changing a value. */
  readonly version: number;
  /** Non-zero: push every participant onto the chain (DistKV's code runners). */
  readonly force_in: number;
}

/** asyncactor's Actor.DEFAULTS (actor.py:77). */
export const DEFAULT_CONFIG: ActorConfig = Object.freeze({
  cycle: 10,
  gap: 1.5,
  nodes: 5,
  splits: 4,
  n_hosts: 10,
  version: 0,
  force_in: 0,
});

/** DistKV 0.57.4's `server.ping` (default.py:86). */
export const DISTKV_PING_CONFIG: Partial<ActorConfig> = Object.freeze({ cycle: 10, gap: 2 });
/** DistKV 0.57.4's `server.delete` (default.py:88). */
export const DISTKV_DELETE_CONFIG: Partial<ActorConfig> = Object.freeze({ cycle: 100, gap: 10, version: 1 });

export interface InitMessage {
  readonly t: 'init';
  readonly node: NodeName;
}

/**
 * Carries the config. `node` is the originator; an adopted `vers` is re-sent verbatim (with the
 * originator's node name), exactly as asyncactor re-packs the SetupMessage it adopted.
 */
export interface VersMessage extends ActorConfig {
  readonly t: 'vers';
  readonly node?: NodeName;
}

export interface PingMessage {
  readonly t: 'ping';
  readonly node: NodeName;
  readonly value: ActorValue;
  /** Newest first; history[0] is the sender itself. */
  readonly history: readonly NodeName[];
}

/** Sent after a detected merge, on behalf of history[0] (there is no `node` key). */
export interface HistMessage {
  readonly t: 'hist';
  readonly value: ActorValue;
  readonly history: readonly NodeName[];
}

export type ActorMessage = InitMessage | VersMessage | PingMessage | HistMessage;

/** The node a message speaks for (asyncactor: `HistoryMessage.node` is `history[0]`). */
export function messageNode(m: ActorMessage): NodeName | undefined {
  return m.t === 'hist' ? m.history[0] : m.node;
}

/** asyncactor's SetupMessage.verify() (messages.py:89-95). */
export function verifyConfig(c: ActorConfig): void {
  if (!(c.cycle >= 1)) throw new RangeError('cycle must be >= 1');
  if (!(c.gap >= 0)) throw new RangeError('gap must be >= 0');
  if (c.cycle < c.gap * 3) throw new RangeError('cycle must be >= 3*gap');
}

export function makeConfig(cfg: Partial<ActorConfig> = {}): ActorConfig {
  const c: ActorConfig = { ...DEFAULT_CONFIG, ...cfg };
  verifyConfig(c);
  return c;
}

/** The `vers` message for a config, keys in asyncactor's order (t, node, DEFAULTS order). */
export function versMessage(node: NodeName | undefined, c: ActorConfig): VersMessage {
  const base = node === undefined ? { t: 'vers' as const } : { t: 'vers' as const, node };
  return {
    ...base,
    cycle: c.cycle,
    gap: c.gap,
    nodes: c.nodes,
    splits: c.splits,
    n_hosts: c.n_hosts,
    version: c.version,
    force_in: c.force_in,
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

function nodeName(m: Record<string, unknown>, what: string): NodeName {
  const n = m['node'];
  if (typeof n !== 'string' || n === '') throw new DecodeError(`${what}: node must be a non-empty string`, undefined, 'actor message');
  return n;
}

function names(x: unknown, what: string): NodeName[] {
  if (!Array.isArray(x)) throw new DecodeError(`${what}: history must be an array`, undefined, 'actor message');
  for (const n of x) {
    if (typeof n !== 'string') throw new DecodeError(`${what}: history holds a non-string`, undefined, 'actor message');
  }
  return x as NodeName[];
}

function num(m: Record<string, unknown>, key: string, dflt: number | undefined, integer: boolean): number {
  let v = m[key];
  if (v === undefined && dflt !== undefined) v = dflt;
  if (typeof v === 'bigint') v = Number(v);
  if (v instanceof PyFloat) v = v.value; // store/codec boxes integral Python floats (gap: 2.0)
  if (typeof v === 'boolean') v = v ? 1 : 0; // Python: True == 1
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new DecodeError(`vers: ${key} must be a${integer ? 'n integer' : ' number'}`, undefined, 'actor message');
  }
  return v;
}

/**
 * Validates a decoded payload (a msgpack map) as an actor message. Throws DecodeError only.
 * Python would crash its actor on most of what this rejects; we drop such messages instead.
 * Unknown extra keys are kept (for `vers`, so a re-sent adopted config stays verbatim).
 */
export function parseActorMessage(raw: unknown): ActorMessage {
  if (!isRecord(raw)) throw new DecodeError('actor message must be a map', undefined, 'actor message');
  const t = raw['t'];
  switch (t) {
    case 'init':
      return { ...raw, t, node: nodeName(raw, 'init') };
    case 'ping': {
      const node = nodeName(raw, 'ping');
      const history = raw['history'] === undefined ? [] : names(raw['history'], 'ping');
      return { ...raw, t, node, value: (raw['value'] ?? null) as ActorValue, history };
    }
    case 'hist': {
      const history = names(raw['history'], 'hist');
      if (history.length === 0) throw new DecodeError('hist: empty history', undefined, 'actor message');
      return { ...raw, t, value: (raw['value'] ?? null) as ActorValue, history };
    }
    case 'vers': {
      const node = raw['node'];
      if (node !== undefined && node !== null && typeof node !== 'string') {
        throw new DecodeError('vers: node must be a string', undefined, 'actor message');
      }
      const c: VersMessage = {
        ...raw,
        t,
        cycle: num(raw, 'cycle', undefined, false),
        gap: num(raw, 'gap', undefined, false),
        nodes: num(raw, 'nodes', undefined, true),
        splits: num(raw, 'splits', undefined, true),
        n_hosts: num(raw, 'n_hosts', undefined, true),
        version: num(raw, 'version', 0, true),
        force_in: num(raw, 'force_in', 0, false),
      };
      // Structural sanity only: Python adopts any higher version without verify(), and the
      // network must agree on one config, so we do not impose cycle >= 3*gap here.
      if (!(c.cycle > 0) || !(c.gap >= 0) || !(c.splits >= 1) || !(c.n_hosts >= 1)) {
        throw new DecodeError('vers: cycle/gap/splits/n_hosts out of range', undefined, 'actor message');
      }
      return c;
    }
    default:
      throw new DecodeError(`unknown actor message type ${typeof t === 'string' ? JSON.stringify(t) : typeof t}`, undefined, 'actor message');
  }
}

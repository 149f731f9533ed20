// Big values between our own servers: DistKV sends every update through Serf in 450-byte parts,
// so a 1 MiB value is ~2 400 gossip events. When every server in the cluster is one of ours, an
// update whose packed form exceeds a threshold goes out as a small notice on `<root>.notice`
// (`{node, tick, prev, path, tock, size, sha256}`: the broadcast form without the value) and each
// receiver fetches the value from the originator's client port (`get_value {node, tick}`, which
// python servers answer too), checks size and hash, and applies the rebuilt update.
// When a Python server is in the cluster (a member without our tag), the python way is used:
// python ignores the notice topic and would take an update without value for a deletion.
// A failed fetch costs nothing permanent: the tick stays missing and gap repair asks for it. A
// re-send of a big value between our servers is a notice again, naming the re-sender (`from`) as a
// second source: its python-style form would be hundreds of `_p0` parts, of which Serf's event
// buffer may keep too few for the message to ever be reassembled (the property found that).
import { createHash } from 'node:crypto';
import { DecodeError } from '../../gossip/decode-error.js';
import { encode, type Value } from '../codec.js';
import type { NodeName } from '../node-ticks.js';
import { field } from './messages.js';

/** Packed update size above which a notice is sent instead (when all peers are ours). */
export const DEFAULT_BIG_VALUE_BYTES = 8 * 1024;
/** Largest value we fetch (the issue asks for 16 MiB). */
export const MAX_BIG_VALUE_BYTES = 16 * 1024 * 1024;

export function valueDigest(packedValue: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(packedValue).digest());
}

/**
 * The packed size of `update` whose value packs to `packedValue`, without packing the value
 * again: the map with a nil (1 byte) in the value's place, plus the value's bytes.
 */
export function packedSizeWith(update: Record<string, unknown>, packedValue: Uint8Array): number {
  return encode({ ...update, value: null } as Value).length - 1 + packedValue.length;
}

/**
 * The notice for an update in the broadcast form (`update` keeps its key order, minus value);
 * `packed` = the value already packed.
 */
export function noticeOf(update: Record<string, unknown>, packed: Uint8Array = encode(update.value as Value)): Record<string, unknown> {
  const n: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(update)) if (k !== 'value') n[k] = v;
  n.size = packed.length;
  n.sha256 = valueDigest(packed);
  return n;
}

export interface ParsedNotice {
  node: NodeName;
  tick: number;
  size: number;
  sha256: Uint8Array;
  /** The update without its value (node, tick, prev, path, tock), to add the fetched value to. */
  update: Record<string, unknown>;
  /** A re-sent notice: the server that re-sent it (holds the value too). */
  from?: NodeName;
}

export function parseNotice(msg: unknown): ParsedNotice {
  const node = field(msg, 'node');
  const tick = field(msg, 'tick');
  const size = field(msg, 'size');
  const sha = field(msg, 'sha256');
  const from = field(msg, 'from');
  if (typeof node !== 'string' || !Number.isSafeInteger(tick) || !Number.isSafeInteger(size) || (size as number) < 0 || !(sha instanceof Uint8Array) || sha.length !== 32)
    throw new DecodeError('notice: bad fields', undefined, 'notice');
  if ((size as number) > MAX_BIG_VALUE_BYTES) throw new DecodeError('notice: value too big', undefined, 'notice');
  if (from !== undefined && typeof from !== 'string') throw new DecodeError('notice: bad from', undefined, 'notice');
  const update: Record<string, unknown> = {};
  const entries = msg instanceof Map ? [...msg.entries()] : Object.entries(msg as object);
  for (const [k, v] of entries) if (k !== 'size' && k !== 'sha256' && k !== 'from' && typeof k === 'string') update[k] = v;
  return { node, tick: tick as number, size: size as number, sha256: sha, update, ...(from !== undefined ? { from } : {}) };
}

/** Does a fetched value match the notice? */
export function valueMatches(n: ParsedNotice, value: Value): boolean {
  const packed = encode(value);
  if (packed.length !== n.size) return false;
  const d = valueDigest(packed);
  for (let i = 0; i < 32; i++) if (d[i] !== n.sha256[i]) return false;
  return true;
}

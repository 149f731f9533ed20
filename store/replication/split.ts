// DistKV's multi-part messages (python `Server._pack_multiple` / `_unpack_multiple`): a packed
// message above 450 bytes travels as several Serf user events `{"_p0": [node, seq, i, chunk]}`,
// i = 1, 2, …, the last one negated; real `_p0`, `_p1`… keys are shifted up by one and marked
// with `_p0: ""`. The receiver joins the chunks per (node, seq) and unpacks.
//
// Differences from python, wire unchanged: the reassembly buffer is bounded (groups, parts,
// bytes) and forgets groups that made no progress for a while, so a sender that died mid-message
// or restarted its counter (python restarts at 1 and re-uses (node, seq) pairs) cannot wedge or
// exhaust a receiver; chunk sizes shrink when a long root or node name would push an event past
// Serf's 512-byte limit (python would have the agent refuse it).
import { DecodeError } from '../../gossip/decode-error.js';
import type { Clock, Millis } from '../../gossip/runtime.js';
import { decode, encode, type Value } from '../codec.js';

/** python SERF_MAXLEN: above this a packed message is split. */
export const SERF_MAXLEN = 450;
/** python SERF_LEN_DELTA: chunk = SERF_MAXLEN - this - len(node name). */
export const SERF_LEN_DELTA = 15;
/** Serf's default UserEventSizeLimit, checked on name + payload and on the encoded event. */
export const SERF_EVENT_LIMIT = 512;
/**
 * Bytes Serf's encoding adds around name + payload (message type, map header, LTime up to 2^32,
 * the key names, str/bin headers, CC): 30 bytes at LTime 1, 38 at LTime 2^64-1 (gossip/serf/codec.ts;
 * split.test.ts checks every part against it).
 */
export const SERF_EVENT_OVERHEAD = 38;

type MsgMap = Record<string, unknown> | Map<unknown, unknown>;

function isMsgMap(x: unknown): x is MsgMap {
  return x instanceof Map || (typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array) && Object.getPrototypeOf(x) === Object.prototype) || (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === null);
}

function mHas(m: MsgMap, k: string): boolean {
  return m instanceof Map ? m.has(k) : Object.prototype.hasOwnProperty.call(m, k);
}
function mGet(m: MsgMap, k: string): unknown {
  return m instanceof Map ? m.get(k) : (m as Record<string, unknown>)[k];
}
function mSet(m: MsgMap, k: string, v: unknown): void {
  if (m instanceof Map) m.set(k, v);
  else (m as Record<string, unknown>)[k] = v;
}
function mDel(m: MsgMap, k: string): void {
  if (m instanceof Map) m.delete(k);
  else delete (m as Record<string, unknown>)[k];
}

/**
 * python's escape (in place, as python does): `_p0`…`_p{j-1}` move up one (the new `_p{j}` lands
 * at the end of the map, where python's dict puts it) and `_p0` becomes "".
 */
export function escapeParts(msg: unknown): void {
  if (!isMsgMap(msg)) return;
  let i = 0;
  while (mHas(msg, `_p${i}`)) i++;
  const j = i;
  while (i) {
    i--;
    mSet(msg, `_p${i + 1}`, mGet(msg, `_p${i}`));
  }
  if (j) mSet(msg, '_p0', '');
}

/** python's unescape of a whole message that has `_p0` (in place). */
export function unescapeParts(msg: MsgMap): void {
  let i = 0;
  while (mHas(msg, `_p${i + 1}`)) {
    mSet(msg, `_p${i}`, mGet(msg, `_p${i + 1}`));
    i++;
  }
  mDel(msg, `_p${i}`);
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Packs messages as python does, splitting big ones; owns the sender's part counter. */
export class Splitter {
  /** Unsplit limit (python: 450) and chunk size (python: 450 - 15 - len(name)). */
  readonly maxLen: number;
  readonly partLen: number;
  private seq: number;

  /**
   * `eventName` is the longest event name this splitter packs for (`<root>.update`); `firstSeq`
   * is the first part counter (python: 1).
   */
  constructor(
    readonly node: string,
    eventName: string,
    firstSeq = 1,
  ) {
    const nameLen = utf8Length(node);
    // What the Serf agent will accept: name + payload, and the encoded event, both ≤ 512.
    const room = SERF_EVENT_LIMIT - SERF_EVENT_OVERHEAD - utf8Length(eventName);
    this.maxLen = Math.min(SERF_MAXLEN, room);
    // wrapper: fixmap, "_p0", fixarray(4), str header ≤3, seq and i ≤5 each (< 2^31), bin header ≤3
    const wrapper = 1 + 4 + 1 + (nameLen < 32 ? 1 : nameLen < 256 ? 2 : 3) + nameLen + 5 + 5 + 3;
    this.partLen = Math.min(SERF_MAXLEN - SERF_LEN_DELTA - nameLen, room - wrapper);
    if (this.partLen < 16) throw new Error(`node name / event name too long for Serf's event limit (${node}, ${eventName})`);
    this.seq = firstSeq - 1;
  }

  /** python `_pack_multiple`: escapes `msg` in place, then one or more payloads. */
  pack(msg: Value): Uint8Array[] {
    escapeParts(msg);
    const p = encode(msg);
    if (p.length <= this.maxLen) return [p];
    // python's counter never wraps; ours stays below 2^31 so the wrapper size bound holds
    if (this.seq >= 2 ** 31 - 1) this.seq = 0;
    const seq = ++this.seq;
    const out: Uint8Array[] = [];
    for (let off = 0, i = 1; off < p.length; off += this.partLen, i++) {
      const chunk = p.subarray(off, off + this.partLen);
      const last = off + this.partLen >= p.length;
      out.push(encode({ _p0: [this.node, seq, last ? -i : i, chunk] }));
    }
    return out;
  }
}

export interface ReassemblyLimits {
  /** Concurrent unfinished messages (python: unbounded). */
  maxGroups: number;
  /** Parts of one message (python: unbounded). 64 KiB values need ~160. */
  maxParts: number;
  /** Bytes held over all unfinished messages. */
  maxBytes: number;
  /** A message with no new part for this long is dropped. */
  timeoutMs: Millis;
}

export const DEFAULT_REASSEMBLY: ReassemblyLimits = { maxGroups: 1024, maxParts: 40_000, maxBytes: 32 * 1024 * 1024, timeoutMs: 120_000 };

interface Group {
  parts: (Uint8Array | undefined)[];
  /** Index of the last part, once known. */
  last: number;
  have: number;
  bytes: number;
  touched: Millis;
}

/** What became of one incoming payload. */
export type Unpacked = { kind: 'message'; msg: Value } | { kind: 'partial' } | { kind: 'dropped'; reason: string };

/** python `_unpack_multiple` with bounded buffers. Never throws on bad input. */
export class Reassembler {
  private readonly groups = new Map<string, Group>();
  private bytes = 0;
  /** Counts for the curious (tests, stats). */
  readonly stats = { messages: 0, parts: 0, dropped: 0, expired: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly limits: ReassemblyLimits = DEFAULT_REASSEMBLY,
  ) {}

  get pending(): number {
    return this.groups.size;
  }

  /** Decodes one Serf payload; returns the whole message when it is complete. */
  receive(payload: Uint8Array): Unpacked {
    let msg: Value;
    try {
      msg = decode(payload, 'distkv message');
    } catch (e) {
      if (e instanceof DecodeError) return this.drop(`undecodable: ${e.message}`);
      throw e;
    }
    return this.unpack(msg);
  }

  unpack(msg: Value): Unpacked {
    if (!isMsgMap(msg) || !mHas(msg, '_p0')) {
      this.stats.messages++;
      return { kind: 'message', msg };
    }
    const p = mGet(msg, '_p0');
    if (p !== '') {
      const whole = this.part(p);
      if (whole === undefined) return { kind: 'partial' };
      if (typeof whole === 'string') return this.drop(whole);
      msg = whole;
      if (!isMsgMap(msg)) {
        this.stats.messages++;
        return { kind: 'message', msg }; // python would crash setting _p0 on it; nothing to unescape
      }
      mSet(msg, '_p0', '');
    }
    unescapeParts(msg);
    this.stats.messages++;
    return { kind: 'message', msg };
  }

  /** One chunk: undefined while incomplete, a string on garbage, the unpacked message when done. */
  private part(p: unknown): Value | string | undefined {
    if (!Array.isArray(p) || p.length !== 4) return 'bad part header';
    const [nn, seq, idx, chunk] = p as unknown[];
    if (typeof nn !== 'string' || !Number.isSafeInteger(seq) || !Number.isSafeInteger(idx) || idx === 0 || !(chunk instanceof Uint8Array))
      return 'bad part header';
    const i = Math.abs(idx as number);
    if (i > this.limits.maxParts) return 'too many parts';
    const now = this.clock.now();
    this.expire(now);
    const key = `${(seq as number).toString(36)}:${nn}`;
    let g = this.groups.get(key);
    if (!g) {
      if (this.groups.size >= this.limits.maxGroups) this.evictOldest();
      g = { parts: [], last: 0, have: 0, bytes: 0, touched: now };
      this.groups.set(key, g);
    }
    this.stats.parts++;
    if ((idx as number) < 0) {
      if (g.last && g.last !== i) return this.dropGroup(key, 'two last parts');
      g.last = i;
    }
    if (g.last && i > g.last) return this.dropGroup(key, 'part beyond the last');
    const old = g.parts[i];
    if (old) {
      g.bytes -= old.length;
      this.bytes -= old.length;
    } else g.have++;
    g.parts[i] = chunk;
    g.bytes += chunk.length;
    this.bytes += chunk.length;
    g.touched = now;
    while (this.bytes > this.limits.maxBytes && this.groups.size > 0) {
      const victim = this.evictOldest();
      if (victim === key) return 'reassembly buffer full';
    }
    if (!g.last || g.have < g.last) return undefined;
    this.groups.delete(key);
    this.bytes -= g.bytes;
    const all = new Uint8Array(g.bytes);
    let off = 0;
    for (let k = 1; k <= g.last; k++) {
      all.set(g.parts[k]!, off);
      off += g.parts[k]!.length;
    }
    try {
      return decode(all, 'distkv multi-part message');
    } catch (e) {
      if (e instanceof DecodeError) return `undecodable joined message: ${e.message}`;
      throw e;
    }
  }

  private expire(now: Millis): void {
    for (const [k, g] of this.groups) {
      if (now - g.touched <= this.limits.timeoutMs) continue;
      this.groups.delete(k);
      this.bytes -= g.bytes;
      this.stats.expired++;
    }
  }

  private evictOldest(): string | undefined {
    let oldest: string | undefined;
    let at = Infinity;
    for (const [k, g] of this.groups)
      if (g.touched < at) {
        at = g.touched;
        oldest = k;
      }
    if (oldest !== undefined) {
      this.bytes -= this.groups.get(oldest)!.bytes;
      this.groups.delete(oldest);
      this.stats.expired++;
    }
    return oldest;
  }

  private dropGroup(key: string, reason: string): string {
    const g = this.groups.get(key);
    if (g) {
      this.bytes -= g.bytes;
      this.groups.delete(key);
    }
    return reason;
  }

  private drop(reason: string): Unpacked {
    this.stats.dropped++;
    return { kind: 'dropped', reason };
  }
}

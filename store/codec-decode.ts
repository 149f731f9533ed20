// DistKV's msgpack unpacker: Python msgpack 1.0.3 with raw=False, use_list=False,
// strict_map_key=False, ext_hook=_decode (distkv/util/_msgpack.py). Everything Python would
// refuse we refuse with DecodeError (never anything else):
// - invalid UTF-8 in a str, the reserved byte 0xc1, truncation, trailing bytes (one-shot decode);
// - nesting deeper than Python's unpack stack (1024);
// - unhashable map keys (a dict as key), negative ext types other than -1 (Python's ExtType
//   only takes 0..127), a Timestamp (ext -1) of a length other than 4/8/12 or
//   with nanoseconds >= 10^9.
// Stricter than Python on purpose: a Path (ext 3) payload must hold only whole, hashable path
// elements (Python silently drops a truncated last element and accepts a dict element it can
// never hash).
// Result shapes are described at `Value` (codec-value.ts).
import { DecodeError } from '../gossip/decode-error.js';
import { Ext, Timestamp, isUnsafeObjectKey, pyFloat, type Value, type ValueObject } from './codec-value.js';
import { Path, canonicalText, isPathElement, type PathElement } from './path.js';

/** Python msgpack's unpack stack depth. */
export const MAX_DECODE_DEPTH = 1024;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function normInt(v: bigint): number | bigint {
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
}

/** A text identifying a hashable key up to Python equality; undefined if Python cannot hash it. */
function hashText(k: Value): string | undefined {
  if (isPathElement(k)) return canonicalText(k as PathElement);
  if (k instanceof Ext) return `x${k.type}:${Array.from(k.data).join(',')};`;
  if (k instanceof Timestamp) return `T${k.seconds}.${k.nanoseconds};`;
  if (Array.isArray(k)) {
    let s = `t${k.length}:`;
    for (const x of k) {
      const h = hashText(x);
      if (h === undefined) return undefined;
      s += h;
    }
    return s;
  }
  return undefined;
}

export class Decoder {
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private end = 0;
  /** Added to positions in error reports (the input's offset in a larger stream). */
  private base = 0;
  private what = 'msgpack';

  /**
   * Decodes the one value in `bytes[start, end)`; it must fill the range exactly.
   * `base` shifts reported offsets (the range's offset in the whole stream).
   */
  decodeRange(bytes: Uint8Array, start: number, end: number, base = 0, what = 'msgpack'): Value {
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
    this.base = base - start;
    this.what = what;
    const v = this.read(0);
    if (this.pos !== end) this.fail('trailing bytes after the value', this.pos);
    return v;
  }

  private fail(msg: string, at: number): never {
    throw new DecodeError(`${this.what}: ${msg}`, this.base + at, this.what);
  }

  private need(n: number): number {
    const p = this.pos;
    if (p + n > this.end) this.fail('truncated', p);
    this.pos = p + n;
    return p;
  }

  private read(depth: number): Value {
    const at = this.pos;
    const b = this.buf[this.need(1)]!;
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b < 0x90) return this.map(b & 0x0f, depth, at);
    if (b < 0xa0) return this.array(b & 0x0f, depth, at);
    if (b < 0xc0) return this.str(b & 0x1f);
    const v = this.view;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.buf[this.need(1)]!);
      case 0xc5:
        return this.bin(v.getUint16(this.need(2)));
      case 0xc6:
        return this.bin(v.getUint32(this.need(4)));
      case 0xc7:
        return this.ext(this.buf[this.need(1)]!, at);
      case 0xc8:
        return this.ext(v.getUint16(this.need(2)), at);
      case 0xc9:
        return this.ext(v.getUint32(this.need(4)), at);
      case 0xca:
        return pyFloat(v.getFloat32(this.need(4)));
      case 0xcb:
        return pyFloat(v.getFloat64(this.need(8)));
      case 0xcc:
        return this.buf[this.need(1)]!;
      case 0xcd:
        return v.getUint16(this.need(2));
      case 0xce:
        return v.getUint32(this.need(4));
      case 0xcf:
        return normInt(v.getBigUint64(this.need(8)));
      case 0xd0:
        return v.getInt8(this.need(1));
      case 0xd1:
        return v.getInt16(this.need(2));
      case 0xd2:
        return v.getInt32(this.need(4));
      case 0xd3:
        return normInt(v.getBigInt64(this.need(8)));
      case 0xd4:
        return this.ext(1, at);
      case 0xd5:
        return this.ext(2, at);
      case 0xd6:
        return this.ext(4, at);
      case 0xd7:
        return this.ext(8, at);
      case 0xd8:
        return this.ext(16, at);
      case 0xd9:
        return this.str(this.buf[this.need(1)]!);
      case 0xda:
        return this.str(v.getUint16(this.need(2)));
      case 0xdb:
        return this.str(v.getUint32(this.need(4)));
      case 0xdc:
        return this.array(v.getUint16(this.need(2)), depth, at);
      case 0xdd:
        return this.array(v.getUint32(this.need(4)), depth, at);
      case 0xde:
        return this.map(v.getUint16(this.need(2)), depth, at);
      case 0xdf:
        return this.map(v.getUint32(this.need(4)), depth, at);
      default:
        return this.fail('reserved byte 0xc1', at);
    }
  }

  private str(n: number): string {
    const p = this.need(n);
    const buf = this.buf;
    if (n < 32) {
      // Short ASCII (nearly every key): concatenation beats TextDecoder and fromCharCode.apply.
      let s = '';
      for (let i = p; i < p + n; i++) {
        const c = buf[i]!;
        if (c >= 0x80) return this.utf8(p, n);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.utf8(p, n);
  }

  private utf8(p: number, n: number): string {
    try {
      return utf8.decode(this.buf.subarray(p, p + n));
    } catch {
      return this.fail('invalid UTF-8 in str', p);
    }
  }

  private bin(n: number): Uint8Array {
    const p = this.need(n);
    return this.buf.slice(p, p + n);
  }

  private array(n: number, depth: number, at: number): Value[] {
    if (depth >= MAX_DECODE_DEPTH) this.fail('nested too deeply', at);
    // Each element takes at least a byte: a bogus count fails here, not after a huge allocation.
    if (n > this.end - this.pos) this.fail('truncated array', at);
    const out = new Array<Value>(n);
    for (let i = 0; i < n; i++) out[i] = this.read(depth + 1);
    return out;
  }

  private map(n: number, depth: number, at: number): ValueObject | Map<Value, Value> {
    if (depth >= MAX_DECODE_DEPTH) this.fail('nested too deeply', at);
    if (2 * n > this.end - this.pos) this.fail('truncated map', at);
    const obj: ValueObject = {};
    for (let i = 0; i < n; i++) {
      const kat = this.pos;
      const k = this.read(depth + 1);
      if (typeof k === 'string' && !isUnsafeObjectKey(k)) {
        obj[k] = this.read(depth + 1);
        continue;
      }
      return this.mapRest(obj, k, kat, n - i, depth);
    }
    return obj;
  }

  /** The rest of a map once a key appears that a plain object cannot hold faithfully. */
  private mapRest(head: ValueObject, firstKey: Value, kat: number, left: number, depth: number): Map<Value, Value> {
    const m = new Map<Value, Value>();
    // Python's dict: equal keys (1, 1.0, True) collapse to the first key, keeping the last value.
    const byHash = new Map<string, Value>();
    for (const [k, v] of Object.entries(head)) {
      m.set(k, v);
      byHash.set(hashText(k)!, k);
    }
    let k = firstKey;
    for (let i = 0; i < left; i++) {
      if (i > 0) {
        kat = this.pos;
        k = this.read(depth + 1);
      }
      const h = hashText(k);
      if (h === undefined) this.fail('unhashable map key', kat);
      const v = this.read(depth + 1);
      const prev = byHash.get(h);
      if (prev !== undefined || byHash.has(h)) m.set(prev as Value, v);
      else {
        byHash.set(h, k);
        m.set(k, v);
      }
    }
    return m;
  }

  private ext(n: number, at: number): Value {
    const type = this.view.getInt8(this.need(1));
    const p = this.need(n);
    const data = this.buf.subarray(p, p + n);
    switch (type) {
      case 2: {
        let v = 0n;
        for (const c of data) v = (v << 8n) | BigInt(c);
        return normInt(v);
      }
      case 3:
        return this.path(p, n, at);
      case -1:
        return this.timestamp(data, at);
      default:
        // Python's ExtType refuses negative codes (msgpack reserves them), so the message fails.
        if (type < 0) this.fail(`reserved ext type ${type}`, at);
        return new Ext(type, data.slice());
    }
  }

  private path(p: number, n: number, at: number): Path {
    const end = this.end;
    const saved = this.pos;
    this.pos = p;
    this.end = p + n;
    const els: PathElement[] = [];
    try {
      while (this.pos < this.end) {
        const eat = this.pos;
        const el = this.read(0);
        if (!isPathElement(el)) this.fail('a path element must be hashable (not a dict)', eat);
        els.push(el as PathElement);
      }
    } catch (e) {
      if (e instanceof DecodeError)
        throw new DecodeError(`bad path payload: ${e.message.replace(/ \(at byte \d+\)$/, '')}`, e.offset, this.what);
      throw e;
    } finally {
      this.end = end;
      this.pos = saved;
    }
    if (this.pos !== p + n) this.fail('bad path payload', at);
    return Path.trusted(els);
  }

  private timestamp(d: Uint8Array, at: number): Timestamp {
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    let s: bigint;
    let ns: number;
    if (d.length === 4) {
      s = BigInt(dv.getUint32(0));
      ns = 0;
    } else if (d.length === 8) {
      const x = dv.getBigUint64(0);
      ns = Number(x >> 34n);
      s = x & 0x3ffffffffn;
    } else if (d.length === 12) {
      ns = dv.getUint32(0);
      s = dv.getBigInt64(4);
    } else return this.fail('a Timestamp must be 4, 8 or 12 bytes', at);
    if (ns >= 1e9) this.fail('Timestamp nanoseconds out of range', at);
    return new Timestamp(s, ns);
  }
}

const shared = new Decoder();

/** Unpacks exactly one value filling `bytes`; DecodeError on anything Python would refuse. */
export function decode(bytes: Uint8Array, what = 'msgpack'): Value {
  return shared.decodeRange(bytes, 0, bytes.length, 0, what);
}

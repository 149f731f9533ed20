// DistKV's msgpack packer, byte for byte: Python msgpack 1.0.3 `Packer(use_bin_type=True,
// strict_types=False, default=_encode)` as distkv/util/_msgpack.py sets it up.
// - ints in their smallest form (positive: fixint/uint8..64; zero and negative: fixint/int8..64),
//   ints >= 2^64 as ext 2 (big-endian, minimal), ints < -2^63 are refused (Python: OverflowError);
// - floats always float64; str as fixstr/str8/16/32 (UTF-8); bytes as bin8/16/32;
// - lists and tuples as arrays; dicts as maps in insertion order;
// - Path as ext 3 whose payload is the concatenated packing of its elements;
// - ext payloads of 1/2/4/8/16 bytes use fixext, others ext8/16/32; Timestamp packed canonically.
// The msgpackr package is not used: it packs integers above 2^32 as float64 and cannot tell
// 1.0 from 1, so it cannot reproduce Python's bytes.
import { Ext, PyFloat, Timestamp, isValueObject, type Value } from './codec-value.js';
import { Path, type PathElement } from './path.js';

export class EncodeError extends Error {
  override name = 'EncodeError';
}

/** Python's Packer nest limit (DEFAULT_RECURSE_LIMIT): deeper values raise there, so here too. */
export const MAX_ENCODE_DEPTH = 511;

const TWO64 = 1n << 64n;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MIN_INT64 = -(1n << 63n);

export class Encoder {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private readonly te = new TextEncoder();

  /** Packs one value; the result is a fresh copy. */
  encode(v: Value | PathElement): Uint8Array {
    this.pos = 0;
    this.write(v, 0);
    return this.buf.slice(0, this.pos);
  }

  /** Packs several values back to back (a record stream) into one buffer. */
  encodeMany(vs: Iterable<Value>): Uint8Array {
    this.pos = 0;
    for (const v of vs) this.write(v, 0);
    return this.buf.slice(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, this.pos));
    this.buf = nb;
    this.view = new DataView(nb.buffer);
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private head(b: number, n: number, width: 1 | 2 | 4): void {
    this.ensure(1 + width);
    this.buf[this.pos++] = b;
    if (width === 1) this.buf[this.pos] = n;
    else if (width === 2) this.view.setUint16(this.pos, n);
    else this.view.setUint32(this.pos, n);
    this.pos += width;
  }

  private write(v: Value | PathElement, depth: number): void {
    if (depth > MAX_ENCODE_DEPTH) throw new EncodeError('recursion limit exceeded');
    switch (typeof v) {
      case 'string':
        return this.str(v);
      case 'number':
        if (Number.isSafeInteger(v)) return this.int(v);
        return this.float(v);
      case 'bigint':
        return this.bigint(v);
      case 'boolean':
        return this.byte(v ? 0xc3 : 0xc2);
      case 'object':
        break;
      default:
        throw new EncodeError(`cannot pack a ${typeof v}`);
    }
    if (v === null) return this.byte(0xc0);
    if (v instanceof Uint8Array) return this.bin(v);
    if (Array.isArray(v)) {
      const n = v.length;
      if (n < 16) this.byte(0x90 | n);
      else if (n < 0x10000) this.head(0xdc, n, 2);
      else this.head(0xdd, n, 4);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (x === undefined) throw new EncodeError('cannot pack undefined in an array');
        this.write(x, depth + 1);
      }
      return;
    }
    if (v instanceof PyFloat) return this.float(v.value);
    if (v instanceof Path) return this.path(v);
    if (v instanceof Map) {
      this.mapHead(v.size);
      for (const [k, x] of v) {
        this.write(k, depth + 1);
        this.write(x, depth + 1);
      }
      return;
    }
    if (v instanceof Ext) {
      if (!Number.isInteger(v.type) || v.type < 0 || v.type > 127) throw new EncodeError(`ext type must be 0..127, not ${v.type}`);
      return this.ext(v.type, v.data);
    }
    if (v instanceof Timestamp) return this.timestamp(v);
    if (isValueObject(v)) {
      // Absent-valued properties are left out, as JSON does: `{value: undefined}` means "no value".
      const keys = Object.keys(v);
      let n = 0;
      for (let i = 0; i < keys.length; i++) if (v[keys[i]!] !== undefined) n++;
      this.mapHead(n);
      for (let i = 0; i < keys.length; i++) {
        const x = v[keys[i]!];
        if (x === undefined) continue;
        this.str(keys[i]!);
        this.write(x, depth + 1);
      }
      return;
    }
    throw new EncodeError(`cannot pack ${Object.prototype.toString.call(v)}`);
  }

  private mapHead(n: number): void {
    if (n < 16) this.byte(0x80 | n);
    else if (n < 0x10000) this.head(0xde, n, 2);
    else this.head(0xdf, n, 4);
  }

  private int(v: number): void {
    if (v > 0) {
      if (v < 0x80) return this.byte(v);
      if (v < 0x100) return this.head(0xcc, v, 1);
      if (v < 0x10000) return this.head(0xcd, v, 2);
      if (v < 0x100000000) return this.head(0xce, v, 4);
      this.ensure(9);
      this.buf[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, BigInt(v));
      this.pos += 8;
      return;
    }
    if (v >= -32) return this.byte(v & 0xff);
    this.ensure(9);
    if (v >= -0x80) {
      this.buf[this.pos++] = 0xd0;
      this.view.setInt8(this.pos++, v);
    } else if (v >= -0x8000) {
      this.buf[this.pos++] = 0xd1;
      this.view.setInt16(this.pos, v);
      this.pos += 2;
    } else if (v >= -0x80000000) {
      this.buf[this.pos++] = 0xd2;
      this.view.setInt32(this.pos, v);
      this.pos += 4;
    } else {
      this.buf[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, BigInt(v));
      this.pos += 8;
    }
  }

  private bigint(v: bigint): void {
    if (v >= -0x80000000n && v < 0x100000000n) return this.int(Number(v));
    if (v >= TWO64) {
      let hex = v.toString(16);
      if (hex.length % 2) hex = '0' + hex;
      const data = new Uint8Array(hex.length / 2);
      for (let i = 0; i < data.length; i++) data[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
      return this.ext(2, data);
    }
    if (v < MIN_INT64) throw new EncodeError('integer value out of range');
    this.ensure(9);
    if (v > 0n) {
      this.buf[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, v);
    } else {
      this.buf[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, v);
    }
    this.pos += 8;
  }

  private float(v: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  private str(s: string): void {
    const n = s.length;
    if (n < 32) {
      // Short ASCII (nearly all keys) skips the TextEncoder: written optimistically, redone
      // below on the first non-ASCII character.
      this.ensure(1 + n);
      const buf = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === n) {
        buf[start] = 0xa0 | n;
        this.pos = start + 1 + n;
        return;
      }
    }
    if (LONE_SURROGATE.test(s)) throw new EncodeError('string contains a lone surrogate (not UTF-8 encodable)');
    // Reserve the largest header, encode, then move the bytes if a smaller header fits.
    const max = n * 3;
    this.ensure(5 + max);
    const start = this.pos;
    const { written } = this.te.encodeInto(s, this.buf.subarray(start + 5, start + 5 + max));
    const len = written;
    const hlen = len < 32 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 5;
    if (hlen !== 5) this.buf.copyWithin(start + hlen, start + 5, start + 5 + len);
    if (hlen === 1) this.buf[start] = 0xa0 | len;
    else if (hlen === 2) {
      this.buf[start] = 0xd9;
      this.buf[start + 1] = len;
    } else if (hlen === 3) {
      this.buf[start] = 0xda;
      this.view.setUint16(start + 1, len);
    } else {
      this.buf[start] = 0xdb;
      this.view.setUint32(start + 1, len);
    }
    this.pos = start + hlen + len;
  }

  private bin(b: Uint8Array): void {
    const n = b.length;
    if (n < 0x100) this.head(0xc4, n, 1);
    else if (n < 0x10000) this.head(0xc5, n, 2);
    else this.head(0xc6, n, 4);
    this.ensure(n);
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  private extHead(type: number, n: number): void {
    const fix = n === 1 ? 0xd4 : n === 2 ? 0xd5 : n === 4 ? 0xd6 : n === 8 ? 0xd7 : n === 16 ? 0xd8 : 0;
    if (fix) this.byte(fix);
    else if (n < 0x100) this.head(0xc7, n, 1);
    else if (n < 0x10000) this.head(0xc8, n, 2);
    else this.head(0xc9, n, 4);
    this.byte(type & 0xff);
  }

  private ext(type: number, data: Uint8Array): void {
    if (!Number.isInteger(type) || type < -128 || type > 127) throw new EncodeError(`bad ext type ${type}`);
    this.extHead(type, data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  private path(p: Path): void {
    // The payload goes 6 bytes ahead (the largest ext header), then slides back once its
    // length, hence the header size, is known. Each element is packed afresh (depth 0), as
    // Python's `packer(x)` per element does.
    const start = this.pos;
    this.ensure(6);
    this.pos += 6;
    for (const el of p.elements) this.write(el, 0);
    const n = this.pos - start - 6;
    const fix = n === 1 || n === 2 || n === 4 || n === 8 || n === 16;
    const hlen = fix ? 2 : n < 0x100 ? 3 : n < 0x10000 ? 4 : 6;
    this.buf.copyWithin(start + hlen, start + 6, start + 6 + n);
    this.pos = start;
    this.extHead(3, n);
    this.pos = start + hlen + n;
  }

  private timestamp(t: Timestamp): void {
    const s = t.seconds;
    const ns = t.nanoseconds;
    if (s >> 34n === 0n) {
      const d64 = (BigInt(ns) << 34n) | s;
      if ((d64 & 0xffffffff00000000n) === 0n) {
        const d = new Uint8Array(4);
        new DataView(d.buffer).setUint32(0, Number(d64));
        return this.ext(-1, d);
      }
      const d = new Uint8Array(8);
      new DataView(d.buffer).setBigUint64(0, d64);
      return this.ext(-1, d);
    }
    const d = new Uint8Array(12);
    const dv = new DataView(d.buffer);
    dv.setUint32(0, ns);
    dv.setBigInt64(4, s);
    this.ext(-1, d);
  }
}

const shared = new Encoder();

/** Packs one value exactly as DistKV's Python `packer()` does. Throws EncodeError. */
export function encode(v: Value | PathElement): Uint8Array {
  return shared.encode(v);
}

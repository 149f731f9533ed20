// Encoding values the way go-msgpack 0.5.5 writes them (see ../msgpack-go.ts for the rules).
import { GoExt, GoFloat, GoMap, isAscii, utf8, type GoValue } from './values.js';

export interface EncodeOptions {
  /** Serf RPC's handle: str8 for short strings, bin8/16/32 for bytes, ext types. Default false. */
  writeExt?: boolean;
}

export class ByteWriter {
  private buf: Uint8Array;
  private dv: DataView;
  private len = 0;

  constructor(initial = 128) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }
  u8(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
  }
  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.len, v >>> 0);
    this.len += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.dv.setBigUint64(this.len, BigInt.asUintN(64, v));
    this.len += 8;
  }
  f32(v: number): void {
    this.ensure(4);
    this.dv.setFloat32(this.len, v);
    this.len += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.dv.setFloat64(this.len, v);
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
  reset(): void {
    this.len = 0;
  }
  get capacity(): number {
    return this.buf.length;
  }
}

const MAX_U64 = (1n << 64n) - 1n;
const MIN_I64 = -(1n << 63n);

function writeUint(w: ByteWriter, v: bigint): void {
  if (v <= 0x7fn) w.u8(Number(v));
  else if (v <= 0xffn) {
    w.u8(0xcc);
    w.u8(Number(v));
  } else if (v <= 0xffffn) {
    w.u8(0xcd);
    w.u16(Number(v));
  } else if (v <= 0xffffffffn) {
    w.u8(0xce);
    w.u32(Number(v));
  } else {
    w.u8(0xcf);
    w.u64(v);
  }
}

function writeInt(w: ByteWriter, v: bigint): void {
  if (v > MAX_U64 || v < MIN_I64) throw new RangeError(`integer ${v} does not fit 64 bits`);
  if (v >= 0n) return writeUint(w, v);
  if (v >= -32n) w.u8(Number(v) & 0xff);
  else if (v >= -128n) {
    w.u8(0xd0);
    w.u8(Number(v) & 0xff);
  } else if (v >= -32768n) {
    w.u8(0xd1);
    w.u16(Number(v) & 0xffff);
  } else if (v >= -2147483648n) {
    w.u8(0xd2);
    w.u32(Number(v) >>> 0);
  } else {
    w.u8(0xd3);
    w.u64(v);
  }
}

function writeIntNumber(w: ByteWriter, v: number): void {
  if (v >= 0 && v <= 0x7f) w.u8(v);
  else if (v < 0 && v >= -32) w.u8(v & 0xff);
  else writeInt(w, BigInt(v));
}

// The old spec has no str8: raw lengths 32..65535 take raw16 unless writeExt is on.
function writeRawHeader(w: ByteWriter, n: number, opts: EncodeOptions): void {
  if (n < 32) w.u8(0xa0 | n);
  else if (n < 256 && opts.writeExt) {
    w.u8(0xd9);
    w.u8(n);
  } else if (n < 65536) {
    w.u8(0xda);
    w.u16(n);
  } else {
    w.u8(0xdb);
    w.u32(n);
  }
}

function writeBinHeader(w: ByteWriter, n: number): void {
  if (n < 256) {
    w.u8(0xc4);
    w.u8(n);
  } else if (n < 65536) {
    w.u8(0xc5);
    w.u16(n);
  } else {
    w.u8(0xc6);
    w.u32(n);
  }
}

function writeContainerHeader(w: ByteWriter, n: number, fix: number, b16: number, b32: number): void {
  if (n < 16) w.u8(fix | n);
  else if (n < 65536) {
    w.u8(b16);
    w.u16(n);
  } else {
    w.u8(b32);
    w.u32(n);
  }
}

function writeExt(w: ByteWriter, e: GoExt): void {
  const l = e.data.length;
  const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
  if (fixed[l] !== undefined) w.u8(fixed[l]);
  else if (l < 256) {
    w.u8(0xc7);
    w.u8(l);
  } else if (l < 65536) {
    w.u8(0xc8);
    w.u16(l);
  } else {
    w.u8(0xc9);
    w.u32(l);
  }
  w.u8(e.tag);
  w.bytes(e.data);
}

/** Appends one value to `w` (for building streams of several values). */
export function encodeInto(w: ByteWriter, v: GoValue, opts: EncodeOptions = {}, depth = 0): void {
  if (depth > 512) throw new RangeError('value nested too deeply');
  if (v === null) w.u8(0xc0);
  else if (typeof v === 'boolean') w.u8(v ? 0xc3 : 0xc2);
  else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) writeIntNumber(w, v);
    else if (Number.isInteger(v) && Math.abs(v) < 2 ** 64) writeInt(w, BigInt(v));
    else {
      w.u8(0xcb);
      w.f64(v);
    }
  } else if (typeof v === 'bigint') writeInt(w, v);
  else if (typeof v === 'string') {
    const b = utf8(v);
    writeRawHeader(w, b.length, opts);
    w.bytes(b);
  } else if (v instanceof Uint8Array) {
    if (opts.writeExt) writeBinHeader(w, v.length);
    else writeRawHeader(w, v.length, opts);
    w.bytes(v);
  } else if (v instanceof GoFloat) {
    if (v.bits === 32) {
      w.u8(0xca);
      w.f32(v.value);
    } else {
      w.u8(0xcb);
      w.f64(v.value);
    }
  } else if (v instanceof GoExt) writeExt(w, v);
  else if (Array.isArray(v)) {
    writeContainerHeader(w, v.length, 0x90, 0xdc, 0xdd);
    for (const x of v) encodeInto(w, x, opts, depth + 1);
  } else if (v instanceof GoMap) {
    writeContainerHeader(w, v.entries.length, 0x80, 0xde, 0xdf);
    for (const [k, x] of v.entries) {
      encodeInto(w, k, opts, depth + 1);
      encodeInto(w, x, opts, depth + 1);
    }
  } else {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    writeContainerHeader(w, keys.length, 0x80, 0xde, 0xdf);
    for (const k of keys) {
      encodeInto(w, k, opts, depth + 1);
      encodeInto(w, v[k] as GoValue, opts, depth + 1);
    }
  }
}

let spare: ByteWriter | null = null;

/**
 * Runs `f` with a reset scratch writer and returns a copy of what it wrote. The writer is reused
 * across calls (fewer allocations on hot paths); taking it out while in use keeps nested calls safe.
 */
export function withWriter(f: (w: ByteWriter) => void): Uint8Array {
  const w = spare ?? new ByteWriter();
  spare = null;
  w.reset();
  f(w);
  const out = w.finish();
  if (w.capacity <= 64 * 1024) spare = w;
  return out;
}

export function encode(v: GoValue, opts: EncodeOptions = {}): Uint8Array {
  return withWriter((w) => encodeInto(w, v, opts));
}

/** Go byte-order comparison of two field names (what sort.Strings does). */
function goStringLess(a: string, b: string): number {
  // For ASCII, UTF-16 order is byte order.
  if (isAscii(a) && isAscii(b)) return a < b ? -1 : a > b ? 1 : 0;
  const ab = utf8(a);
  const bb = utf8(b);
  const n = Math.min(ab.length, bb.length);
  for (let i = 0; i < n; i++) if (ab[i] !== bb[i]) return ab[i]! - bb[i]!;
  return ab.length - bb.length;
}

/**
 * A Go struct as go-msgpack writes it into a map: field names sorted by byte order, fields whose
 * value is `undefined` (omitempty and zero) left out. Returns a GoMap ready to encode.
 */
export function goStruct(fields: Record<string, GoValue | undefined>): GoMap {
  const names = Object.keys(fields)
    .filter((k) => fields[k] !== undefined)
    .sort(goStringLess);
  return new GoMap(names.map((k) => [k, fields[k] as GoValue]));
}

/**
 * Like goStruct for callers that list the fields already in go-msgpack's (byte-sorted) order:
 * skips the sort on hot paths. Undefined values are left out.
 */
export function goStructSorted(fields: readonly (readonly [string, GoValue | undefined])[]): GoMap {
  const entries: [GoValue, GoValue][] = [];
  for (const [k, v] of fields) if (v !== undefined) entries.push([k, v]);
  return new GoMap(entries);
}

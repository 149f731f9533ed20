// MessagePack as hashicorp/go-msgpack 0.5.5 (the "ugorji" codec fork) writes it. memberlist and
// Serf's gossip use `MsgpackHandle{}` (WriteExt=false): the OLD spec, where strings and []byte are
// both "raw" (fixraw / raw16 / raw32 — there is no str8 and no bin). Serf's RPC (port 7373) uses
// `MsgpackHandle{RawToString: true, WriteExt: true}`: str8 for strings, bin8/16/32 for []byte.
//
// Go-side facts that shape the byte layout (verified in go-msgpack's msgpack.go / encode.go):
// - Any integer >= 0, signed or not, is written as the smallest of posfixint/uint8/16/32/64
//   (0xcc..0xcf); negatives as negfixint/int8/16/32/64. So int 200 is `cc c8`, never `d1 00 c8`.
// - float32 is always 0xca, float64 always 0xcb, even for integral values.
// - Structs become maps whose keys are the field names SORTED by byte order (not declaration
//   order); `omitempty` fields are left out entirely when zero. See `goStruct`.
// - []uint8 is a byte string (raw), not an array: memberlist's `Vsn []uint8` is `a6 ...`.
// - nil slices / maps / pointers are nil (0xc0); empty non-nil ones are zero-length containers.
// - time.Time goes through MarshalBinary: a 15-byte raw (see goTimeToBytes).
// The decoder is lenient (accepts str8 and bin too) and hands back every raw as bytes: whether
// they are text is for the schema to say, and Go strings may hold non-UTF-8.
import { DecodeError } from './decode-error.js';

/** A float that must be written as a float (JS numbers alone cannot say "float64 2.0"). */
export class GoFloat {
  constructor(
    readonly value: number,
    readonly bits: 32 | 64 = 64,
  ) {}
}

/** msgpack extension value (fixext/ext8..32). go-msgpack only writes these with WriteExt. */
export class GoExt {
  constructor(
    readonly tag: number,
    readonly data: Uint8Array,
  ) {}
}

/** A msgpack map with its entries in wire order and keys of any type. */
export class GoMap {
  constructor(readonly entries: [GoValue, GoValue][] = []) {}

  /** The value under a key that is a string or a raw holding that string's UTF-8 bytes. */
  get(key: string): GoValue | undefined {
    const kb = utf8(key);
    for (const [k, v] of this.entries) {
      if (typeof k === 'string' ? k === key : k instanceof Uint8Array && bytesEqual(k, kb)) return v;
    }
    return undefined;
  }
}

/**
 * What we encode / decode. Encoding: `number` that is an integer -> int, otherwise float64;
 * `string` -> raw (str with writeExt) of its UTF-8; `Uint8Array` -> raw (bin with writeExt);
 * plain object -> map in insertion order, keys as strings, `undefined` members left out.
 * Decoding yields: null, boolean, number (ints within 2^53) or bigint, GoFloat, Uint8Array (every
 * raw/str/bin), GoValue[], GoMap, GoExt.
 */
export type GoValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | GoFloat
  | GoExt
  | GoMap
  | GoValue[]
  | { readonly [k: string]: GoValue | undefined };

export interface EncodeOptions {
  /** Serf RPC's handle: str8 for short strings, bin8/16/32 for bytes, ext types. Default false. */
  writeExt?: boolean;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: false });
const strictTextDecoder = new TextDecoder('utf-8', { fatal: true });

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** UTF-8 bytes of a string (short ASCII strings — field names, node names — take a fast path). */
export function utf8(s: string): Uint8Array {
  if (s.length <= 64 && isAscii(s)) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  return textEncoder.encode(s);
}

/** Lossy UTF-8 decoding (invalid sequences become U+FFFD), fast for short ASCII. */
export function fromUtf8(b: Uint8Array): string {
  if (b.length <= 64) {
    let out = '';
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c > 0x7f) return textDecoder.decode(b);
      out += String.fromCharCode(c);
    }
    return out;
  }
  return textDecoder.decode(b);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Growable output buffer. */
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

export function encode(v: GoValue, opts: EncodeOptions = {}): Uint8Array {
  const w = new ByteWriter();
  encodeInto(w, v, opts);
  return w.finish();
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

// ---------------------------------------------------------------------------------------------
// Decoding

export interface DecodeOptions {
  /** Deepest container nesting accepted (protects the stack). Default 64. */
  maxDepth?: number;
  /** Name for errors ("memberlist ping", ...). */
  what?: string;
}

/** Internal marker: the input ended inside a value. Never escapes this module. */
class Truncated {
  constructor(readonly offset: number) {}
}

class Reader {
  readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly maxDepth: number,
    readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Truncated(this.pos);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  fail(msg: string, at = this.pos): never {
    throw new DecodeError(msg, at, this.what);
  }
}

function big(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function readValue(r: Reader, depth: number): GoValue {
  const start = r.pos;
  const b = r.u8();
  if (b <= 0x7f) return b;
  if (b >= 0xe0) return b - 0x100;
  if (b >= 0xa0 && b <= 0xbf) return r.take(b & 0x1f);
  if (b >= 0x90 && b <= 0x9f) return readArray(r, b & 0x0f, depth, start);
  if (b >= 0x80 && b <= 0x8f) return readMap(r, b & 0x0f, depth, start);
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xca: {
      r.need(4);
      const v = r.view.getFloat32(r.pos);
      r.pos += 4;
      return new GoFloat(v, 32);
    }
    case 0xcb: {
      r.need(8);
      const v = r.view.getFloat64(r.pos);
      r.pos += 8;
      return new GoFloat(v, 64);
    }
    case 0xcc:
      return r.u8();
    case 0xcd:
      return r.u16();
    case 0xce:
      return r.u32();
    case 0xcf:
      return big(r.u64());
    case 0xd0:
      return (r.u8() << 24) >> 24;
    case 0xd1:
      return (r.u16() << 16) >> 16;
    case 0xd2:
      return r.u32() | 0;
    case 0xd3:
      return big(r.i64());
    case 0xc4:
    case 0xd9:
      return r.take(r.u8());
    case 0xc5:
    case 0xda:
      return r.take(r.u16());
    case 0xc6:
    case 0xdb:
      return r.take(r.u32());
    case 0xdc:
      return readArray(r, r.u16(), depth, start);
    case 0xdd:
      return readArray(r, r.u32(), depth, start);
    case 0xde:
      return readMap(r, r.u16(), depth, start);
    case 0xdf:
      return readMap(r, r.u32(), depth, start);
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: {
      const len = 1 << (b - 0xd4);
      const tag = r.u8();
      return new GoExt(tag, r.take(len));
    }
    case 0xc7:
    case 0xc8:
    case 0xc9: {
      const len = b === 0xc7 ? r.u8() : b === 0xc8 ? r.u16() : r.u32();
      const tag = r.u8();
      return new GoExt(tag, r.take(len));
    }
    default:
      return r.fail(`invalid msgpack descriptor 0x${b.toString(16)}`, start);
  }
}

function readArray(r: Reader, n: number, depth: number, start: number): GoValue[] {
  if (depth >= r.maxDepth) r.fail('msgpack nesting too deep', start);
  // Every element takes at least one byte: a count beyond what is left is a truncation, and
  // checking first keeps a forged length from allocating gigabytes.
  r.need(n);
  const out: GoValue[] = [];
  for (let i = 0; i < n; i++) out.push(readValue(r, depth + 1));
  return out;
}

function readMap(r: Reader, n: number, depth: number, start: number): GoMap {
  if (depth >= r.maxDepth) r.fail('msgpack nesting too deep', start);
  r.need(n * 2);
  const out: [GoValue, GoValue][] = [];
  for (let i = 0; i < n; i++) {
    const k = readValue(r, depth + 1);
    const v = readValue(r, depth + 1);
    out.push([k, v]);
  }
  return new GoMap(out);
}

/**
 * Decodes one value starting at `offset`. Returns null when the input ends inside the value (a
 * stream reader should wait for more bytes); throws DecodeError on bytes that can never be valid.
 */
export function tryDecode(
  buf: Uint8Array,
  offset = 0,
  opts: DecodeOptions = {},
): { value: GoValue; end: number } | null {
  const r = new Reader(buf, offset, opts.maxDepth ?? 64, opts.what ?? 'msgpack');
  try {
    const value = readValue(r, 0);
    return { value, end: r.pos };
  } catch (e) {
    if (e instanceof Truncated) return null;
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`bad msgpack: ${e instanceof Error ? e.message : String(e)}`, r.pos, r.what);
  }
}

/** Decodes one value at `offset`; a truncated value is a DecodeError. */
export function decodeOne(buf: Uint8Array, offset = 0, opts: DecodeOptions = {}): { value: GoValue; end: number } {
  const res = tryDecode(buf, offset, opts);
  if (res === null) throw new DecodeError('truncated msgpack value', buf.length, opts.what ?? 'msgpack');
  return res;
}

/** Decodes exactly one value filling all of `buf` (trailing bytes are an error). */
export function decode(buf: Uint8Array, opts: DecodeOptions = {}): GoValue {
  const { value, end } = decodeOne(buf, 0, opts);
  if (end !== buf.length) throw new DecodeError(`${buf.length - end} trailing bytes after msgpack value`, end, opts.what);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Schema helpers: turn a decoded GoValue into what a Go struct field would hold, the way go-msgpack
// converts (ints from any int/uint form, bool also from 0/1, nil into zero values), else DecodeError.

function describe(v: GoValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'nil';
  if (v instanceof Uint8Array) return 'raw';
  if (v instanceof GoFloat) return 'float';
  if (v instanceof GoMap) return 'map';
  if (v instanceof GoExt) return 'ext';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function bad(what: string, want: string, v: GoValue | undefined): never {
  throw new DecodeError(`${what}: expected ${want}, got ${describe(v)}`, undefined, what);
}

/** An unsigned integer of at most `bits` bits (<= 53 so it stays a number). nil/missing -> 0. */
export function asUint(v: GoValue | undefined, bits: number, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** bits) return v;
  return bad(what, `uint${bits}`, v);
}

/** A signed integer that fits `bits` bits (<= 53). nil/missing -> 0. */
export function asInt(v: GoValue | undefined, bits: number, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** (bits - 1)) && v < 2 ** (bits - 1)) return v;
  return bad(what, `int${bits}`, v);
}

/** Any 64-bit integer as bigint (uint64 / int64 fields such as Serf's Lamport times). */
export function asBigInt(v: GoValue | undefined, what: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  return bad(what, 'integer', v);
}

export function asBool(v: GoValue | undefined, what: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  return bad(what, 'bool', v);
}

/** A float64 field; go-msgpack also accepts ints there. */
export function asFloat(v: GoValue | undefined, what: string): number {
  if (v === undefined || v === null) return 0;
  if (v instanceof GoFloat) return v.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return bad(what, 'float', v);
}

/** A []byte field: bytes, or null when the wire said nil / the field is absent. */
export function asBytesOrNull(v: GoValue | undefined, what: string): Uint8Array | null {
  if (v === undefined || v === null) return null;
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return utf8(v);
  return bad(what, 'raw bytes', v);
}

export function asBytes(v: GoValue | undefined, what: string): Uint8Array {
  return asBytesOrNull(v, what) ?? new Uint8Array(0);
}

/** A Go string field. Invalid UTF-8 is replaced with U+FFFD (use asBytes to keep it exact). */
export function asString(v: GoValue | undefined, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return fromUtf8(v);
  return bad(what, 'string', v);
}

/** Like asString but rejects invalid UTF-8 with a DecodeError. */
export function asStrictString(v: GoValue | undefined, what: string): string {
  if (v instanceof Uint8Array) {
    try {
      return strictTextDecoder.decode(v);
    } catch {
      throw new DecodeError(`${what}: invalid UTF-8`, undefined, what);
    }
  }
  return asString(v, what);
}

/** A slice field: the elements, or [] for nil/missing. */
export function asArray(v: GoValue | undefined, what: string): GoValue[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  return bad(what, 'array', v);
}

/** A map field (keys left as decoded). nil/missing -> empty. */
export function asMap(v: GoValue | undefined, what: string): GoMap {
  if (v === undefined || v === null) return new GoMap();
  if (v instanceof GoMap) return v;
  return bad(what, 'map', v);
}

/**
 * A struct: field name -> value. Keys must be strings (raw); go-msgpack matches them exactly and
 * skips unknown ones, so do we. A repeated key keeps the last value, as Go's decoder does.
 */
export function asStruct(v: GoValue | undefined, what: string): Map<string, GoValue> {
  const out = new Map<string, GoValue>();
  if (v === undefined || v === null) return out;
  if (!(v instanceof GoMap)) return bad(what, 'struct (map)', v);
  for (const [k, x] of v.entries) {
    if (k instanceof Uint8Array) out.set(fromUtf8(k), x);
    else if (typeof k === 'string') out.set(k, x);
    else bad(`${what} field name`, 'string', k);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// time.Time, as go-msgpack writes it via MarshalBinary (Go >= 1.9 layout, version 1):
// [1][seconds since 0001-01-01 UTC: int64 BE][nanoseconds: int32 BE][zone offset minutes: int16 BE,
// -1 = UTC]. The zero time.Time is seconds = 0, nanos = 0.

/** Seconds from 0001-01-01 to 1970-01-01. */
const UNIX_TO_INTERNAL = 62135596800n;

export interface GoTime {
  /** Seconds since the Unix epoch. */
  unixSeconds: bigint;
  nanos: number;
  /** Zone offset in minutes east of UTC; null means UTC (-1 on the wire). */
  offsetMinutes: number | null;
}

export function goTimeToBytes(t: GoTime): Uint8Array {
  const out = new Uint8Array(15);
  const dv = new DataView(out.buffer);
  out[0] = 1;
  dv.setBigInt64(1, t.unixSeconds + UNIX_TO_INTERNAL);
  dv.setInt32(9, t.nanos);
  dv.setInt16(13, t.offsetMinutes === null ? -1 : t.offsetMinutes);
  return out;
}

export function goTimeFromBytes(b: Uint8Array, what = 'time.Time'): GoTime {
  if (b.length === 0) return { unixSeconds: -UNIX_TO_INTERNAL, nanos: 0, offsetMinutes: null };
  if (b[0] !== 1 || b.length !== 15) throw new DecodeError(`${what}: unsupported MarshalBinary form`, 0, what);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const off = dv.getInt16(13);
  return { unixSeconds: dv.getBigInt64(1) - UNIX_TO_INTERNAL, nanos: dv.getInt32(9), offsetMinutes: off === -1 ? null : off };
}

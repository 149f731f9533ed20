// Lenient, bounds-checked decoding of msgpack (old and new spec) into GoValues.
import { DecodeError } from '../decode-error.js';
import { GoExt, GoFloat, GoMap, type GoValue } from './values.js';


export interface DecodeOptions {
  /** Deepest container nesting accepted (protects the stack). Default 64. */
  maxDepth?: number;
  /** Name for errors ("memberlist ping", ...). */
  what?: string;
  /**
   * Hand back short ASCII fixraw map keys as JS strings instead of bytes (struct field names):
   * saves a copy and a conversion per field. Same bytes when re-encoded.
   */
  keysAsStrings?: boolean;
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
    readonly keysAsStrings = false,
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

/** A fixraw key of ASCII bytes as a string (position advanced), else null (nothing consumed). */
function readAsciiKey(r: Reader): string | null {
  const b = r.buf[r.pos];
  if (b === undefined || b < 0xa0 || b > 0xbf) return null;
  const n = b & 0x1f;
  const end = r.pos + 1 + n;
  if (end > r.buf.length) return null;
  let out = '';
  for (let i = r.pos + 1; i < end; i++) {
    const c = r.buf[i]!;
    if (c > 0x7f) return null;
    out += String.fromCharCode(c);
  }
  r.pos = end;
  return out;
}

function readMap(r: Reader, n: number, depth: number, start: number): GoMap {
  if (depth >= r.maxDepth) r.fail('msgpack nesting too deep', start);
  r.need(n * 2);
  const out: [GoValue, GoValue][] = [];
  for (let i = 0; i < n; i++) {
    const k = r.keysAsStrings ? (readAsciiKey(r) ?? readValue(r, depth + 1)) : readValue(r, depth + 1);
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
  const r = new Reader(buf, offset, opts.maxDepth ?? 64, opts.what ?? 'msgpack', opts.keysAsStrings ?? false);
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

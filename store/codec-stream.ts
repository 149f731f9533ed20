// A decoder for a stream of concatenated msgpack values with no framing (DistKV's client
// protocol over TCP, and its saved files). Chunks may split a value anywhere; a resumable
// scanner finds where each value ends in one pass over the bytes (so a big value arriving in
// many small chunks costs O(size), not O(size²)), then the full decoder builds it.
// Garbage poisons the stream: the DecodeError names the absolute byte offset, and every later
// call repeats it (after garbage there is no way to find the next value boundary).
import { DecodeError } from '../gossip/decode-error.js';
import { Decoder, MAX_DECODE_DEPTH } from './codec-decode.js';
import type { Value } from './codec-value.js';

export interface StreamOptions {
  /** Largest accepted value in bytes; a bigger (or bigger-announced) one is a DecodeError. */
  maxMessageBytes?: number;
  /** Names the stream in errors ("client request", "snapshot"...). */
  what?: string;
}

/** One decoded value and where it sat in the stream. */
export interface StreamRecord {
  value: Value;
  /** Absolute offset of its first byte. */
  offset: number;
  /** Absolute offset just past it. */
  end: number;
  /** Its bytes: a view into the decoder's buffer, valid only until the next push. */
  raw: Uint8Array;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export class MsgStreamDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0; // first byte of the pending value
  private len = 0; // bytes held
  private base = 0; // absolute offset of buf[0]
  private scanPos = 0; // where scanning resumes (a value header boundary)
  private stack: number[] = []; // items still owed at each open container level
  private error: DecodeError | undefined;
  /** buf is the caller's chunk: never write into it. */
  private borrowed = false;
  private readonly decoder = new Decoder();
  private readonly max: number;
  private readonly what: string;

  constructor(opts: StreamOptions = {}) {
    this.max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.what = opts.what ?? 'msgpack stream';
  }

  /** Absolute offset of the first byte not yet returned as part of a value. */
  get offset(): number {
    return this.base + this.start;
  }

  /** Bytes of an incomplete value held back. */
  get pendingBytes(): number {
    return this.len - this.start;
  }

  /** Feeds a chunk; returns the values it completed, in order. */
  push(chunk: Uint8Array): Value[] {
    return this.pushRecords(chunk).map((r) => r.value);
  }

  /** As push, with each value's position in the stream. */
  pushRecords(chunk: Uint8Array): StreamRecord[] {
    if (this.error) throw this.error;
    this.append(chunk);
    const out: StreamRecord[] = [];
    try {
      for (;;) {
        const end = this.scan();
        if (end < 0) break;
        const offset = this.base + this.start;
        const value = this.decoder.decodeRange(this.buf, this.start, end, offset, this.what);
        out.push({ value, offset, end: this.base + end, raw: this.buf.subarray(this.start, end) });
        this.start = end;
        this.scanPos = end;
      }
      if (this.len - this.start > this.max) this.fail(`value larger than ${this.max} bytes`, this.start);
    } catch (e) {
      this.error = e instanceof DecodeError ? e : new DecodeError(String(e), this.offset, this.what);
      throw this.error;
    }
    if (this.start === this.len) {
      this.base += this.len;
      this.start = this.len = this.scanPos = 0;
      if (this.borrowed) {
        this.buf = new Uint8Array(0);
        this.borrowed = false;
      }
    }
    return out;
  }

  /** Declares the end of input: leftover bytes are a truncated value (DecodeError). */
  finish(): void {
    if (this.error) throw this.error;
    if (this.start < this.len) {
      this.error = new DecodeError(`${this.what}: truncated value at end of input`, this.base + this.start, this.what);
      throw this.error;
    }
  }

  private append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.len === 0) {
      // Nothing pending: scan the caller's bytes in place (a whole file costs no copy).
      this.buf = chunk;
      this.borrowed = true;
      this.len = chunk.length;
      return;
    }
    const keep = this.len - this.start;
    if (this.borrowed || this.len + chunk.length > this.buf.length) {
      if (!this.borrowed && keep + chunk.length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.len);
      } else {
        const nb = new Uint8Array(Math.max(keep + chunk.length, 2 * keep, 1024));
        nb.set(this.buf.subarray(this.start, this.len));
        this.buf = nb;
        this.borrowed = false;
      }
      this.base += this.start;
      this.scanPos -= this.start;
      this.len = keep;
      this.start = 0;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  private fail(msg: string, at: number): never {
    throw new DecodeError(`${this.what}: ${msg}`, this.base + at, this.what);
  }

  /** Advances the scanner; returns the end of the pending value, or -1 if it is incomplete. */
  private scan(): number {
    const buf = this.buf;
    const len = this.len;
    const stack = this.stack;
    let p = this.scanPos;
    for (;;) {
      if (p >= len) break;
      const b = buf[p]!;
      let hdr = 1;
      let skip = 0; // payload bytes after the header
      let items = -1; // container: items owed (maps count keys and values)
      if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
        /* single byte */
      } else if (b < 0x90) items = 2 * (b & 0x0f);
      else if (b < 0xa0) items = b & 0x0f;
      else if (b < 0xc0) skip = b & 0x1f;
      else {
        const sizes = HEADERS[b - 0xc0]!;
        if (sizes === undefined || sizes[0] === 0) this.fail('reserved byte 0xc1', p);
        hdr = sizes[0];
        if (p + hdr > len) break;
        const lenBytes = sizes[1];
        let n = 0;
        for (let i = 0; i < lenBytes; i++) n = n * 256 + buf[p + 1 + i]!;
        const kind = sizes[2];
        if (kind === K_FIXED) skip = sizes[3];
        else if (kind === K_VAR) skip = n;
        else if (kind === K_EXT) skip = n + 1;
        else if (kind === K_FIXEXT) skip = sizes[3] + 1;
        else if (kind === K_ARRAY) items = n;
        else items = 2 * n;
        if (skip > this.max || items > this.max) this.fail(`value larger than ${this.max} bytes`, p);
      }
      if (p + hdr + skip > len) break;
      p += hdr + skip;
      if (items > 0) {
        if (stack.length >= MAX_DECODE_DEPTH) this.fail('nested too deeply', p - hdr);
        stack.push(items);
        continue;
      }
      while (stack.length > 0) {
        const top = stack.length - 1;
        if (--stack[top]! > 0) break;
        stack.pop();
      }
      if (stack.length === 0) {
        this.scanPos = p;
        return p;
      }
    }
    this.scanPos = p;
    return -1;
  }
}

const K_FIXED = 0;
const K_VAR = 1;
const K_EXT = 2;
const K_FIXEXT = 3;
const K_ARRAY = 4;
const K_MAP = 5;

/** For bytes 0xc0..0xdf: [header length, length-field bytes, kind, fixed payload]. */
const HEADERS: [number, number, number, number][] = [
  [1, 0, K_FIXED, 0], // c0 nil
  [0, 0, K_FIXED, 0], // c1 reserved
  [1, 0, K_FIXED, 0], // c2 false
  [1, 0, K_FIXED, 0], // c3 true
  [2, 1, K_VAR, 0], // c4 bin8
  [3, 2, K_VAR, 0], // c5 bin16
  [5, 4, K_VAR, 0], // c6 bin32
  [2, 1, K_EXT, 0], // c7 ext8
  [3, 2, K_EXT, 0], // c8 ext16
  [5, 4, K_EXT, 0], // c9 ext32
  [1, 0, K_FIXED, 4], // ca float32
  [1, 0, K_FIXED, 8], // cb float64
  [1, 0, K_FIXED, 1], // cc uint8
  [1, 0, K_FIXED, 2], // cd uint16
  [1, 0, K_FIXED, 4], // ce uint32
  [1, 0, K_FIXED, 8], // cf uint64
  [1, 0, K_FIXED, 1], // d0 int8
  [1, 0, K_FIXED, 2], // d1 int16
  [1, 0, K_FIXED, 4], // d2 int32
  [1, 0, K_FIXED, 8], // d3 int64
  [1, 0, K_FIXEXT, 1], // d4 fixext1
  [1, 0, K_FIXEXT, 2], // d5 fixext2
  [1, 0, K_FIXEXT, 4], // d6 fixext4
  [1, 0, K_FIXEXT, 8], // d7 fixext8
  [1, 0, K_FIXEXT, 16], // d8 fixext16
  [2, 1, K_VAR, 0], // d9 str8
  [3, 2, K_VAR, 0], // da str16
  [5, 4, K_VAR, 0], // db str32
  [3, 2, K_ARRAY, 0], // dc array16
  [5, 4, K_ARRAY, 0], // dd array32
  [3, 2, K_MAP, 0], // de map16
  [5, 4, K_MAP, 0], // df map32
];

/** Decodes a whole buffer of concatenated values (a complete file); DecodeError names the offset. */
export function decodeAll(bytes: Uint8Array, opts: StreamOptions = {}): StreamRecord[] {
  const d = new MsgStreamDecoder(opts);
  const out = d.pushRecords(bytes);
  d.finish();
  return out;
}

// LZW as Go's compress/lzw does it with Order LSB and literal width 8 — the only compression
// memberlist knows (compress{Algo: 0}). Codes start 9 bits wide and grow to 12; code 256 is
// "clear", 257 is "end"; codes are packed least-significant-bit first. The encoder starts with a
// clear code, emits another when the next code would be 4095 (then starts over), and ends with
// the pending code, the end code and the leftover bits. Our output matches Go's byte for byte:
// LZW's output is fully determined by these rules; Go's hash table only speeds up the lookup.
import { DecodeError } from '../decode-error.js';

const LIT_WIDTH = 8;
const CLEAR = 1 << LIT_WIDTH; // 256
const EOF = CLEAR + 1; // 257
const MAX_WIDTH = 12;
const MAX_CODE = (1 << MAX_WIDTH) - 1; // 4095

// Open-addressing table from key (prefix code << 8 | byte, 20 bits) to code, as Go's writer keeps
// it: entries are key << 12 | code. Shared between calls (JS runs one call at a time); a slot
// counts only when its stamp equals the current epoch, so starting over never clears 64 KiB.
const TABLE_SIZE = 4 << 12;
const TABLE_MASK = TABLE_SIZE - 1;
const table = new Uint32Array(TABLE_SIZE);
const stamps = new Uint32Array(TABLE_SIZE);
let epoch = 0;

function newEpoch(): void {
  epoch = (epoch + 1) >>> 0;
  if (epoch === 0) {
    stamps.fill(0);
    epoch = 1;
  }
}

/** Compresses `input` exactly as Go's lzw.NewWriter(w, lzw.LSB, 8) + one Write + Close does. */
export function lzwCompress(input: Uint8Array): Uint8Array {
  // Output never exceeds 12 bits per input byte plus the clear/end codes and table resets.
  const out = new Uint8Array(Math.ceil((input.length * 12) / 8) + 16 + ((input.length / 3800) | 0) * 2);
  let len = 0;
  let bits = 0;
  let nBits = 0;
  let width = LIT_WIDTH + 1;
  let hi = EOF; // the code most recently assigned (implicitly)
  let overflow = 1 << width;
  newEpoch();

  const write = (code: number): void => {
    bits |= code << nBits;
    nBits += width;
    while (nBits >= 8) {
      out[len++] = bits & 0xff;
      bits >>>= 8;
      nBits -= 8;
    }
  };
  // Mirrors Go's incHi: returns true when the table was reset (clear code sent).
  const incHi = (): boolean => {
    hi++;
    if (hi === overflow) {
      width++;
      overflow <<= 1;
    }
    if (hi === MAX_CODE) {
      write(CLEAR);
      width = LIT_WIDTH + 1;
      hi = EOF;
      overflow = CLEAR << 1;
      newEpoch();
      return true;
    }
    return false;
  };

  // Go >= 1.17 (what Debian's serf is built with) starts every stream with a clear code, as the
  // GIF spec asks; older Go did not. Decoders accept both.
  write(CLEAR);
  if (input.length > 0) {
    let code = input[0]!;
    outer: for (let i = 1; i < input.length; i++) {
      const lit = input[i]!;
      const key = (code << 8) | lit;
      let hash = ((key >>> 12) ^ key) & TABLE_MASK;
      while (stamps[hash] === epoch) {
        const t = table[hash]!;
        if (t >>> 12 === key) {
          code = t & MAX_CODE;
          continue outer;
        }
        hash = (hash + 1) & TABLE_MASK;
      }
      write(code);
      code = lit;
      if (incHi()) continue;
      table[hash] = ((key << 12) | hi) >>> 0;
      stamps[hash] = epoch;
    }
    write(code);
    incHi();
  }
  write(EOF);
  if (nBits > 0) out[len++] = bits & 0xff;
  return out.slice(0, len);
}

// Decoder tables, shared between calls: every entry below `hi` is written in the current stream
// before it can be read (hi restarts at 258 after each clear), so stale contents never leak.
const suffix = new Uint8Array(1 << MAX_WIDTH);
const prefix = new Uint16Array(1 << MAX_WIDTH);
const stack = new Uint8Array(1 << MAX_WIDTH);

export interface LzwLimits {
  /** Refuse to produce more than this many bytes (a zip-bomb guard). Default 64 MiB. */
  maxOutput?: number;
}

/**
 * Decompresses a Go lzw (LSB, width 8) stream. Go's reader needs the end code; without one it
 * reports io.ErrUnexpectedEOF, which memberlist treats as a failure — so do we (DecodeError).
 */
export function lzwDecompress(input: Uint8Array, limits: LzwLimits = {}): Uint8Array {
  const maxOutput = limits.maxOutput ?? 64 * 1024 * 1024;
  let out = new Uint8Array(Math.max(1, Math.min(Math.max(64, input.length * 3), maxOutput)));
  let outLen = 0;
  // Makes room for `n` more output bytes.
  const reserve = (n: number): void => {
    if (outLen + n <= out.length) return;
    if (outLen + n > maxOutput) throw new DecodeError(`lzw output exceeds ${maxOutput} bytes`, undefined, 'lzw');
    const grown = new Uint8Array(Math.min(Math.max(out.length * 2, outLen + n), maxOutput));
    grown.set(out.subarray(0, outLen));
    out = grown;
  };

  let width = LIT_WIDTH + 1;
  let hi = EOF;
  let overflow = 1 << width;
  let last = -1; // previous code, -1 = none
  let bits = 0;
  let nBits = 0;
  let pos = 0;

  for (;;) {
    while (nBits < width) {
      if (pos >= input.length) throw new DecodeError('lzw stream ends without an end code', pos, 'lzw');
      bits |= input[pos++]! << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;

    if (code === CLEAR) {
      width = LIT_WIDTH + 1;
      hi = EOF;
      overflow = 1 << width;
      last = -1;
      continue;
    }
    if (code === EOF) break;
    if (code < CLEAR) {
      reserve(1);
      out[outLen++] = code;
      if (last !== -1) {
        suffix[hi] = code;
        prefix[hi] = last;
      }
    } else if (code <= hi) {
      // Expand right to left into `stack`, then copy out.
      let sp = stack.length;
      let c = code;
      if (code === hi && last !== -1) {
        // The KwKwK case: the last expansion followed by its own first byte.
        let h = last;
        while (h >= CLEAR) h = prefix[h]!;
        stack[--sp] = h;
        c = last;
      } else if (code === hi) {
        throw new DecodeError('lzw code refers to an undefined entry', pos, 'lzw');
      }
      while (c >= CLEAR) {
        if (sp === 0) throw new DecodeError('lzw chain too long', pos, 'lzw');
        stack[--sp] = suffix[c]!;
        c = prefix[c]!;
      }
      stack[--sp] = c;
      reserve(stack.length - sp);
      for (let i = sp; i < stack.length; i++) out[outLen++] = stack[i]!;
      if (last !== -1) {
        suffix[hi] = c;
        prefix[hi] = last;
      }
    } else {
      throw new DecodeError(`invalid lzw code ${code}`, pos, 'lzw');
    }
    last = code;
    hi++;
    if (hi >= overflow) {
      if (width === MAX_WIDTH) {
        last = -1;
        hi--;
      } else {
        width++;
        overflow = 1 << width;
      }
    }
  }
  return out.slice(0, outLen);
}

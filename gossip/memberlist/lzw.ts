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

class BitWriter {
  private out: Uint8Array;
  private len = 0;
  private bits = 0;
  private nBits = 0;
  constructor(sizeHint: number) {
    this.out = new Uint8Array(Math.max(16, sizeHint));
  }
  private push(b: number): void {
    if (this.len === this.out.length) {
      const n = new Uint8Array(this.out.length * 2);
      n.set(this.out);
      this.out = n;
    }
    this.out[this.len++] = b;
  }
  write(code: number, width: number): void {
    this.bits |= code << this.nBits;
    this.nBits += width;
    while (this.nBits >= 8) {
      this.push(this.bits & 0xff);
      this.bits >>>= 8;
      this.nBits -= 8;
    }
  }
  finish(): Uint8Array {
    if (this.nBits > 0) this.push(this.bits & 0xff);
    return this.out.slice(0, this.len);
  }
}

// Open-addressing table from key (prefix code << 8 | byte, 20 bits) to code, as Go's writer keeps
// it: entries are key << 12 | code, 0 = empty (a valid entry never is: its code is >= 258).
const TABLE_SIZE = 4 << 12;
const TABLE_MASK = TABLE_SIZE - 1;

/** Compresses `input` exactly as Go's lzw.NewWriter(w, lzw.LSB, 8) + one Write + Close does. */
export function lzwCompress(input: Uint8Array): Uint8Array {
  const w = new BitWriter((input.length >> 1) + 8);
  let width = LIT_WIDTH + 1;
  let hi = EOF; // the code most recently assigned (implicitly)
  let overflow = 1 << width;
  const table = new Uint32Array(TABLE_SIZE);

  // Mirrors Go's incHi: returns true when the table was reset (clear code sent).
  const incHi = (): boolean => {
    hi++;
    if (hi === overflow) {
      width++;
      overflow <<= 1;
    }
    if (hi === MAX_CODE) {
      w.write(CLEAR, width);
      width = LIT_WIDTH + 1;
      hi = EOF;
      overflow = CLEAR << 1;
      table.fill(0);
      return true;
    }
    return false;
  };

  // Go >= 1.17 (what Debian's serf is built with) starts every stream with a clear code, as the
  // GIF spec asks; older Go did not. Decoders accept both.
  w.write(CLEAR, width);
  if (input.length > 0) {
    let code = input[0]!;
    outer: for (let i = 1; i < input.length; i++) {
      const lit = input[i]!;
      const key = (code << 8) | lit;
      let hash = ((key >>> 12) ^ key) & TABLE_MASK;
      for (let t = table[hash]!; t !== 0; t = table[hash]!) {
        if (t >>> 12 === key) {
          code = t & MAX_CODE;
          continue outer;
        }
        hash = (hash + 1) & TABLE_MASK;
      }
      w.write(code, width);
      code = lit;
      if (incHi()) continue;
      table[hash] = ((key << 12) | hi) >>> 0;
    }
    w.write(code, width);
    incHi();
  }
  w.write(EOF, width);
  return w.finish();
}

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
  const suffix = new Uint8Array(1 << MAX_WIDTH);
  const prefix = new Uint16Array(1 << MAX_WIDTH);
  const stack = new Uint8Array(1 << MAX_WIDTH);
  let out = new Uint8Array(Math.max(64, input.length * 3));
  let outLen = 0;
  const emit = (b: number): void => {
    if (outLen === out.length) {
      if (outLen >= maxOutput) throw new DecodeError(`lzw output exceeds ${maxOutput} bytes`, undefined, 'lzw');
      const n = new Uint8Array(Math.min(out.length * 2, maxOutput));
      n.set(out);
      out = n;
    }
    out[outLen++] = b;
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
      emit(code);
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
      for (let i = sp; i < stack.length; i++) emit(stack[i]!);
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

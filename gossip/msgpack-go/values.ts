// The values the go-msgpack codec works with, and UTF-8 helpers shared by its parts.

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

const textEncoder = new TextEncoder();
export const textDecoder = new TextDecoder('utf-8', { fatal: false });
export const strictTextDecoder = new TextDecoder('utf-8', { fatal: true });

export function isAscii(s: string): boolean {
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

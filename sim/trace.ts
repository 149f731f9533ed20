// A running 64-bit hash of everything the network did: each delivery, drop and fault is folded
// in as a few 32-bit words. Two runs agree on the hash only if they agree on every event, its
// virtual time, its endpoints and its bytes, which is what "deterministic" means here.
// Two 32-bit multiply-xor lanes with different constants give 64 bits without BigInt.

export const TraceKind = {
  Packet: 1,
  PacketDrop: 2,
  StreamData: 3,
  StreamOpen: 4,
  StreamClose: 5,
  StreamRefused: 6,
  Fault: 7,
  Custom: 8,
} as const;
export type TraceKind = (typeof TraceKind)[keyof typeof TraceKind];

/** 32-bit hash of a byte string, a word at a time (the trace folds every payload through it). */
export function hashBytes(b: Uint8Array): number {
  const n = b.length;
  const whole = n & ~3;
  let h = 0x9747b28c ^ n;
  let i = 0;
  for (; i < whole; i += 4) {
    h = Math.imul(h ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)), 0x5bd1e995);
    h ^= h >>> 13;
  }
  for (; i < n; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

export class Trace {
  private h1 = 0x811c9dc5;
  private h2 = 0x6a09e667;
  /** Records folded in so far. */
  count = 0;
  /** When set, a human-readable line per record is kept here (debugging a divergence). */
  readonly lines: string[] | undefined;

  constructor(opts: { keepLines?: boolean } = {}) {
    this.lines = opts.keepLines ? [] : undefined;
  }

  private word(w: number): void {
    this.h1 = Math.imul(this.h1 ^ w, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ w, 0x5bd1e995);
    this.h2 ^= this.h2 >>> 15;
  }

  private time(t: number): void {
    // Integer and fractional parts: virtual times are exact doubles, so this is lossless enough.
    const whole = Math.floor(t);
    this.word(whole | 0);
    this.word(Math.floor((whole / 4294967296) | 0));
    this.word(((t - whole) * 4294967296) | 0);
  }

  /** Folds one event: kind, virtual time, endpoints (node indices), payload. */
  record(kind: TraceKind, t: number, from: number, to: number, bytes?: Uint8Array, note?: number): void {
    this.count++;
    this.word(kind);
    this.time(t);
    this.word(from);
    this.word(to);
    if (bytes !== undefined) {
      this.word(bytes.length);
      this.word(hashBytes(bytes));
    }
    if (note !== undefined) this.word(note);
    if (this.lines) this.lines.push(`${t.toFixed(6)} k${kind} ${from}->${to} ${bytes?.length ?? '-'} ${note ?? ''}`);
  }

  /** Folds a free-form label (scenario steps, custom actions). */
  recordText(t: number, text: string): void {
    this.count++;
    this.word(TraceKind.Custom);
    this.time(t);
    for (let i = 0; i < text.length; i++) this.word(text.charCodeAt(i));
    if (this.lines) this.lines.push(`${t.toFixed(6)} ${text}`);
  }

  /** 16 hex digits. */
  hex(): string {
    let a = this.h1,
      b = this.h2;
    // Final avalanche so near-identical histories do not share prefixes.
    a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
    a ^= b >>> 7;
    b ^= a >>> 11;
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }
}

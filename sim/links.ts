// What a directed link between two simulated hosts does to traffic: latency, loss, duplication,
// reordering, and whether a partition cuts it. Links are keyed by host index pairs so the hot
// path (one lookup per packet) is a number-keyed Map hit, and only when overrides exist.
import type { Millis } from '../gossip/runtime.js';
import type { SeededRandom } from './prng.js';

export interface LinkConfig {
  /** Fixed one-way delay. */
  latencyMs: Millis;
  /** Extra delay, uniform in [0, jitterMs). */
  jitterMs: Millis;
  /** Probability a datagram is lost (for streams: a segment is retransmitted, adding delay). */
  loss: number;
  /** Probability a datagram is delivered twice (the copy with its own delay). */
  duplicate: number;
  /** Probability a datagram is held back by an extra uniform [0, reorderDelayMs) delay. */
  reorder: number;
  reorderDelayMs: Millis;
}

export const DEFAULT_LINK: LinkConfig = {
  latencyMs: 1,
  jitterMs: 1,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 10,
};

/** The delay TCP's retransmission adds to a segment lost on a link. */
export const STREAM_RETRANSMIT_MS = 200;

export function checkLink(c: LinkConfig): LinkConfig {
  for (const [k, v] of Object.entries(c)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`link ${k} must be a finite number >= 0, got ${v}`);
  }
  for (const k of ['loss', 'duplicate', 'reorder'] as const) {
    if (c[k] > 1) throw new RangeError(`link ${k} is a probability, got ${c[k]}`);
  }
  return c;
}

function pairKey(from: number, to: number): number {
  return from * 1048576 + to;
}

export class LinkTable {
  private base: LinkConfig = { ...DEFAULT_LINK };
  private overrides = new Map<number, LinkConfig>();
  /** Directed pairs a partition cuts, with how many partitions cut each (they may overlap). */
  private cut = new Map<number, number>();

  constructor(defaults: Partial<LinkConfig> = {}) {
    this.setDefault(defaults);
  }

  get defaults(): LinkConfig {
    return this.base;
  }

  /** Changes the default for every link without its own override. */
  setDefault(c: Partial<LinkConfig>): void {
    this.base = checkLink({ ...this.base, ...c });
  }

  /** Overrides one directed link (merged over what it has now). */
  set(from: number, to: number, c: Partial<LinkConfig>): void {
    const k = pairKey(from, to);
    this.overrides.set(k, checkLink({ ...(this.overrides.get(k) ?? this.base), ...c }));
  }

  clearOverrides(): void {
    this.overrides.clear();
  }

  get(from: number, to: number): LinkConfig {
    if (this.overrides.size === 0) return this.base;
    return this.overrides.get(pairKey(from, to)) ?? this.base;
  }

  /** One-way delay for a datagram or segment on this link. */
  delay(c: LinkConfig, r: SeededRandom): Millis {
    return c.jitterMs > 0 ? c.latencyMs + r.next() * c.jitterMs : c.latencyMs;
  }

  get partitioned(): boolean {
    return this.cut.size > 0;
  }

  isCut(from: number, to: number): boolean {
    return this.cut.size > 0 && this.cut.has(pairKey(from, to));
  }

  cutPair(from: number, to: number): void {
    const k = pairKey(from, to);
    this.cut.set(k, (this.cut.get(k) ?? 0) + 1);
  }

  uncutPair(from: number, to: number): void {
    const k = pairKey(from, to);
    const n = this.cut.get(k);
    if (n === undefined) return;
    if (n <= 1) this.cut.delete(k);
    else this.cut.set(k, n - 1);
  }

  healAll(): void {
    this.cut.clear();
  }
}

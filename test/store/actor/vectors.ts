// Loads the captured Python DistKV actor events (test/store/actor/vectors/).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packr } from './harness.js';

/** The capture's "+0.000" (see vectors/README.md). */
export const CAPTURE_ORIGIN = 1795878388.747;

export interface CapturedEvent {
  /** Seconds since the capture's origin, as this agent delivered it. */
  time: number;
  name: string;
  ltime: number;
  bytes: Uint8Array;
  payload: Record<string, unknown>;
}

export function loadCapture(agent: 'a' | 'b' | 'c'): CapturedEvent[] {
  const dir = dirname(fileURLToPath(import.meta.url));
  const text = readFileSync(join(dir, 'vectors', `events-${agent}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const j = JSON.parse(l) as { t: number; name: string; ltime: number; payload_hex: string };
      const bytes = new Uint8Array(Buffer.from(j.payload_hex, 'hex'));
      return { time: j.t - CAPTURE_ORIGIN, name: j.name, ltime: j.ltime, bytes, payload: packr.unpack(bytes) as Record<string, unknown> };
    });
}

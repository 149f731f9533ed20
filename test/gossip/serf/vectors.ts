// Loads the Serf messages captured from real agents (test/vectors/serf/messages.json).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SerfVector {
  id: string;
  t: number;
  src: string;
  dst: string;
  carrier: 'user' | 'memberlist-2' | 'push-pull-user-state';
  serfType?: string;
  hex: string;
}

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../vectors/serf');

export function serfVectors(): SerfVector[] {
  return JSON.parse(readFileSync(join(dir, 'messages.json'), 'utf8')) as SerfVector[];
}

export function vector(id: string): Uint8Array {
  const v = serfVectors().find((x) => x.id === id);
  if (!v) throw new Error(`no vector ${id}`);
  return Buffer.from(v.hex, 'hex');
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

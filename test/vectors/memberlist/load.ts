// Loads the captured memberlist vectors (<scenario>.json, written by extract.ts) for tests.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring, keyFromBase64 } from '../../../gossip/memberlist/keyring.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface Capture {
  i: number;
  t: number;
  from: string;
  to: string;
  hex: string;
}

export interface Scenario {
  scenario: string;
  ports: Record<string, string>;
  udp: Capture[];
  tcp: Capture[];
}

/** The scenarios of capture.sh (bigpp, from capture-big.sh, holds just one push-pull). */
export const SCENARIOS = ['plain', 'nocomp', 'crc', 'enc16', 'enc32'] as const;
export type ScenarioName = (typeof SCENARIOS)[number] | 'bigpp';

export function loadScenario(name: ScenarioName): Scenario {
  return JSON.parse(readFileSync(join(here, `${name}.json`), 'utf8')) as Scenario;
}

export function bytesOf(c: Capture): Uint8Array {
  return new Uint8Array(Buffer.from(c.hex, 'hex'));
}

/** The keyring the agents of a scenario used (undefined when unencrypted). */
export function keyringFor(name: ScenarioName): Keyring | undefined {
  if (name !== 'enc16' && name !== 'enc32') return undefined;
  const file = name === 'enc16' ? 'key16.b64' : 'key32.b64';
  return new Keyring(keyFromBase64(readFileSync(join(here, file), 'utf8')));
}

export function portOf(s: Scenario, agent: string): number {
  return Number(s.ports[agent]);
}

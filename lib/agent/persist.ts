// Serf's small agent files: the tags file (-tags-file: tags set at run time survive a restart)
// and the keyring file (-keyring-file: keys installed/used/removed by `serf keys` survive a
// restart). Both are JSON as Serf writes them (MarshalIndent, two spaces, mode 0600), so a real
// `serf agent` can take over either file.
import { existsSync, readFileSync } from 'node:fs';
import type { Keyring } from '../../gossip/memberlist/keyring.js';
import { keyToBase64 } from '../../gossip/memberlist/keyring.js';
import { writeFileAtomicSync } from '../runtime/files.js';
import { ConfigError } from './config.js';

/** Go's json.MarshalIndent(v, "", "  ") for a string map (keys sorted) or a string list. */
function goIndentJson(v: Record<string, string> | string[]): string {
  if (Array.isArray(v)) return JSON.stringify(v, null, 2);
  const sorted = Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify(sorted, null, 2);
}

/** The tags stored in `path`, or undefined when it does not exist yet. */
export function loadTagsFile(path: string): Map<string, string> | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`Failed to decode tags file: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Go decodes into the existing map: `null` leaves it empty.
  if (parsed === null) return new Map();
  if (typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((x) => typeof x !== 'string')) {
    throw new ConfigError('Failed to decode tags file: expected an object of strings');
  }
  return new Map(Object.entries(parsed as Record<string, string>));
}

export function writeTagsFile(path: string, tags: ReadonlyMap<string, string>): void {
  writeFileAtomicSync(path, goIndentJson(Object.fromEntries(tags)), 0o600);
}

/** The keyring's keys, primary first, as Serf's writeKeyringFile stores them. */
export function writeKeyringFile(path: string, keyring: Keyring): void {
  writeFileAtomicSync(path, goIndentJson(keyring.getKeys().map(keyToBase64)), 0o600);
}

/** Serf.persistKeyring's shape: an error text instead of a throw. */
export function keyringPersister(path: string, keyring: () => Keyring | undefined): () => string | undefined {
  return () => {
    const kr = keyring();
    if (!kr) return undefined;
    try {
      writeKeyringFile(path, kr);
      return undefined;
    } catch (e) {
      return `Failed to write keyring file: ${e instanceof Error ? e.message : String(e)}`;
    }
  };
}

// TLS on a client port, from DistKV's config shape: an entry's `ssl` (in `server.bind[i]` or
// `server.bind_default`) is false (plain TCP, the default), or `{cert: FILE, key: FILE}` (PEM
// paths), as python's `gen_ssl` reads it. Ours on top: `ca: FILE` (PEM CA bundle) asks every
// client for a certificate signed by it (mutual TLS); python's gen_ssl ignores the key, so such
// a config still loads there (without the client check). python also takes `ssl: true`, which
// makes a server context without a certificate — every handshake then fails; we refuse it at
// start instead.
import { readFileSync } from 'node:fs';
import type { TlsServerFiles } from '../runtime/tls.js';
import { ConfigError } from './layers.js';

export interface ClientTlsFiles {
  /** PEM certificate (chain) file. */
  cert: string;
  /** PEM private key file. */
  key: string;
  /** PEM CA file: clients must present a certificate it signed (mutual TLS). */
  ca?: string;
}

const KEYS = new Set(['cert', 'key', 'ca']);

/** `key` names the setting in errors (server.bind_default.ssl, server.bind[1].ssl). */
export function clientTlsSettings(v: unknown, key = 'server.bind_default.ssl'): ClientTlsFiles | undefined {
  if (v === undefined || v === null || v === false || v === 'false') return undefined;
  if (v === true || v === 'true') throw new ConfigError(`${key}: true without cert and key files cannot serve TLS; give ${key}.cert and ${key}.key`);
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${key}: expected false or {cert, key}, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const file = (k: string): string => {
    const f = o[k];
    if (typeof f !== 'string' || f === '') throw new ConfigError(`${key}.${k}: expected a PEM file path`);
    return f;
  };
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new ConfigError(`${key}.${k}: unknown key (cert, key and ca only)`);
  return { cert: file('cert'), key: file('key'), ...(o.ca !== undefined && o.ca !== null ? { ca: file('ca') } : {}) };
}

/**
 * One `server.bind` entry over `server.bind_default`, as python's combine_dict does it (the
 * entry's value wins; maps merge key by key), so `ssl: {cert: other.pem}` keeps the default key.
 */
export function bindEntry(entry: Record<string, unknown>, dflt: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...dflt };
  for (const [k, v] of Object.entries(entry)) {
    const d = out[k];
    const isMap = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isMap(v) && isMap(d) ? { ...d, ...v } : v;
  }
  return out;
}

/** The PEM contents of an entry's files (at start, and again on SIGHUP); throws naming the file. */
export function readClientTls(f: ClientTlsFiles): TlsServerFiles {
  const read = (path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new ConfigError(`${path}: ${(e as Error).message}`);
    }
  };
  return { cert: read(f.cert), key: read(f.key), ...(f.ca !== undefined ? { ca: read(f.ca) } : {}) };
}

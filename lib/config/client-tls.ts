// TLS on the client port, from DistKV's config shape: `server.bind_default.ssl` is false (plain
// TCP, the default), or `{cert: FILE, key: FILE}` (PEM paths), as python's `gen_ssl` reads it.
// python also takes `ssl: true`, which makes a server context without a certificate — every
// handshake then fails; we refuse it at start instead.
import { ConfigError } from './layers.js';

export interface ClientTlsFiles {
  /** PEM certificate (chain) file. */
  cert: string;
  /** PEM private key file. */
  key: string;
}

const KEY = 'server.bind_default.ssl';

export function clientTlsSettings(v: unknown): ClientTlsFiles | undefined {
  if (v === undefined || v === null || v === false || v === 'false') return undefined;
  if (v === true || v === 'true') throw new ConfigError(`${KEY}: true without cert and key files cannot serve TLS; give ${KEY}.cert and ${KEY}.key`);
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${KEY}: expected false or {cert, key}, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const cert = o.cert;
  const key = o.key;
  if (typeof cert !== 'string' || cert === '') throw new ConfigError(`${KEY}.cert: expected a PEM file path`);
  if (typeof key !== 'string' || key === '') throw new ConfigError(`${KEY}.key: expected a PEM file path`);
  for (const k of Object.keys(o)) if (k !== 'cert' && k !== 'key') throw new ConfigError(`${KEY}.${k}: unknown key (cert and key only)`);
  return { cert, key };
}

// From a merged config tree to what `distkv server` runs with, checked: a wrong type or value is a
// ConfigError naming the key. Also the mapping of named flags onto config keys, so a flag and its
// config key are one setting (flags > env > file > defaults: layers.ts).
import type { Addr, LogLevel } from '../../gossip/runtime.js';
import type { HostmapEntry } from '../../store/replication/host-port.js';
import { isFsyncPolicy, type FsyncPolicy } from '../data-dir/data-dir.js';
import { parseLogLevel, type LogFormat } from '../runtime/logger.js';
import { splitHostPort } from '../runtime/addr.js';
import { DEFAULT_CLIENT_PORT, DEFAULT_GOSSIP_PORT, defaultConfig } from './defaults.js';
import { bindEntry, clientTlsSettings, type ClientTlsFiles } from './client-tls.js';
import { parseAuth } from '../client/auth-arg.js';
import type { Credentials } from '../auth/client-login.js';
import { ConfigError, dig, envLayer, mergeConfig, overrideLayer, treeAt, type ConfigTree } from './layers.js';

/** One client port: python's `server.bind` entry over `server.bind_default`. */
export interface ClientBind {
  addr: Addr;
  /** The entry's `ssl`; undefined = plain TCP. */
  tls: ClientTlsFiles | undefined;
}

export interface ServerSettings {
  /** Every client port (`server.bind`, each over `server.bind_default`), in the config's order. */
  clientBinds: ClientBind[];
  /** Store new password records salted + scrypted (`auth.hardened`, docs/auth.md). */
  authHardened: boolean;
  /** How this node logs in to its peers' client ports (python `connect.auth`, `-a`'s syntax). */
  peerLogin: Credentials | undefined;
  buffer: number;
  root: string;
  ping: { cycle: number; gap: number };
  /** python `server.delete` (the delete actor; default cycle 100, gap 10). */
  deletePing: { cycle: number; gap: number };
  hostmap: Record<string, HostmapEntry>;
  paranoia: boolean;
  dataDir: string | undefined;
  fsync: FsyncPolicy;
  rotateBytes: number;
  keepGenerations: number;
  metricsAddr: string | undefined;
  etcdAddr: string | undefined;
  bind: Addr;
  /** No bind configured anywhere: the default port may fall back to an ephemeral one. */
  bindIsDefault: boolean;
  advertise: string | undefined;
  join: string[];
  encrypt: string | undefined;
  keyringFile: string | undefined;
  tags: Map<string, string>;
  profile: string;
  /** The agent RPC's flags as lib/serf-rpc/agent-rpc.ts reads them. */
  rpcFlags: Map<string, string | string[]>;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

type FlagValue = string | boolean | string[];

/** Named flags and the config key each one sets (flags not listed are one-shot: -I, -l, -s…). */
export const FLAG_KEYS: Record<string, string> = {
  'data-dir': 'server.data_dir',
  'tls-cert': 'server.bind_default.ssl.cert',
  'tls-key': 'server.bind_default.ssl.key',
  'tls-client-ca': 'server.bind_default.ssl.ca',
  'auth-hardened': 'auth.hardened',
  fsync: 'server.fsync',
  'metrics-addr': 'server.metrics_addr',
  'etcd-addr': 'server.etcd_addr',
  root: 'server.root',
  bind: 'serf.bind',
  advertise: 'serf.advertise',
  join: 'serf.start_join',
  encrypt: 'serf.encrypt_key',
  'keyring-file': 'serf.keyring_file',
  profile: 'serf.profile',
  'rpc-addr': 'serf.rpc_addr',
  'rpc-auth': 'serf.rpc_auth',
  'event-handler': 'serf.event_handlers',
  'log-level': 'logging.level',
  'log-format': 'logging.format',
};

/** The layer the named flags make (`-tag k=v` into serf.tags, `--client-addr` into bind_default). */
export function flagLayer(flags: ReadonlyMap<string, FlagValue>): ConfigTree {
  let out: ConfigTree = {};
  for (const [flag, key] of Object.entries(FLAG_KEYS)) if (flags.has(flag)) out = mergeConfig(out, treeAt(key, flags.get(flag)));
  const ca = flags.get('client-addr');
  if (typeof ca === 'string') {
    const { host, port } = hostPort(ca, 'client-addr');
    out = mergeConfig(out, { server: { bind_default: { host, ...(port !== undefined ? { port } : {}) } } });
  }
  const tags = flags.get('tag');
  if (Array.isArray(tags))
    for (const t of tags) {
      const i = t.indexOf('=');
      if (i <= 0) throw new ConfigError(`bad tag '${t}' (want key=value)`);
      out = mergeConfig(out, { serf: { tags: { [t.slice(0, i)]: t.slice(i + 1) } } });
    }
  return out;
}

export interface ConfigSources {
  /** The parsed file (-c or DISTKV_CONFIG), if any. */
  file?: ConfigTree;
  env?: Readonly<Record<string, string | undefined>>;
  /** -C key=value, in order. */
  overrides?: string[];
  flags?: ReadonlyMap<string, FlagValue>;
}

/** defaults < file < DISTKV_* < -C < named flags. */
export function resolveConfig(src: ConfigSources): ConfigTree {
  let cfg = defaultConfig();
  if (src.file) cfg = mergeConfig(cfg, src.file);
  if (src.env) cfg = mergeConfig(cfg, envLayer(src.env));
  for (const kv of src.overrides ?? []) cfg = mergeConfig(cfg, overrideLayer(kv));
  if (src.flags) cfg = mergeConfig(cfg, flagLayer(src.flags));
  return cfg;
}

function hostPort(text: string, key: string): { host: string; port: number | undefined } {
  try {
    const r = splitHostPort(text);
    return { host: r.host || '0.0.0.0', port: r.port };
  } catch (e) {
    throw new ConfigError(`${key}: ${(e as Error).message}`);
  }
}

/** python's default config says "localhost"; our transports bind IP literals. */
function ipHost(h: string): string {
  return h === 'localhost' ? '127.0.0.1' : h;
}

class Reader {
  constructor(private readonly cfg: ConfigTree) {}
  raw(k: string): unknown {
    return dig(this.cfg, k);
  }
  opt(k: string): unknown {
    const v = this.raw(k);
    return v === null ? undefined : v;
  }
  str(k: string): string | undefined {
    const v = this.opt(k);
    if (v === undefined) return undefined;
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') throw new ConfigError(`${k}: expected a string, got ${JSON.stringify(v)}`);
    return v;
  }
  num(k: string, dflt: number, check: (n: number) => boolean = (n) => n >= 0): number {
    const v = this.opt(k);
    if (v === undefined) return dflt;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || !check(n)) throw new ConfigError(`${k}: bad number ${JSON.stringify(v)}`);
    return n;
  }
  bool(k: string): boolean {
    const v = this.opt(k);
    if (v === undefined) return false;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new ConfigError(`${k}: expected true or false, got ${JSON.stringify(v)}`);
  }
  list(k: string): string[] {
    const v = this.opt(k);
    if (v === undefined) return [];
    const l = Array.isArray(v) ? v : [v];
    if (l.some((x) => typeof x !== 'string')) throw new ConfigError(`${k}: expected a list of strings`);
    return l as string[];
  }
  map(k: string): Record<string, unknown> {
    const v = this.opt(k);
    if (v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${k}: expected a map`);
    return v as Record<string, unknown>;
  }
}

function addr(key: string, text: string, dfltPort: number): Addr {
  const { host, port } = hostPort(text, key);
  return { host: ipHost(host), port: port ?? dfltPort };
}

const PORT_OK = (n: number): boolean => Number.isInteger(n) && n >= 0 && n < 65536;

/** python `server.bind` (a list of maps, default `[{}]`), each entry over `server.bind_default`. */
function clientBinds(r: Reader): ClientBind[] {
  const dflt = r.map('server.bind_default');
  const listV = r.opt('server.bind') ?? [{}];
  if (!Array.isArray(listV)) throw new ConfigError(`server.bind: expected a list of maps {host, port, ssl} (JSON with -C and DISTKV_*), got ${JSON.stringify(listV)}`);
  const list: unknown[] = listV;
  if (!list.length) throw new ConfigError('server.bind: an empty list opens no client port');
  return list.map((e: unknown, i) => {
    const key = `server.bind[${i}]`;
    if (e === null || e === undefined) e = {};
    if (typeof e !== 'object' || Array.isArray(e)) throw new ConfigError(`${key}: expected a map {host, port, ssl}, got ${JSON.stringify(e)}`);
    const entry = e as Record<string, unknown>;
    for (const k of Object.keys(entry)) if (k !== 'host' && k !== 'port' && k !== 'ssl') throw new ConfigError(`${key}.${k}: unknown key (host, port, ssl)`);
    const m = new Reader({ b: bindEntry(entry, dflt) });
    const from = (k: string): string => (Object.hasOwn(entry, k) ? `${key}.${k}` : `server.bind_default.${k}`);
    const host = m.opt('b.host') ?? '127.0.0.1';
    if (typeof host !== 'string') throw new ConfigError(`${from('host')}: expected a host, got ${JSON.stringify(host)}`);
    let port: number;
    try {
      port = m.num('b.port', DEFAULT_CLIENT_PORT, PORT_OK);
    } catch {
      throw new ConfigError(`${from('port')}: bad port ${JSON.stringify(m.opt('b.port'))}`);
    }
    return { addr: { host: ipHost(host), port }, tls: clientTlsSettings(m.opt('b.ssl'), from('ssl')) };
  });
}

function peerLogin(text: string | undefined): Credentials | undefined {
  if (text === undefined) return undefined;
  try {
    return parseAuth(text);
  } catch (e) {
    throw new ConfigError(`connect.auth: ${(e as Error).message}`);
  }
}

export function serverSettings(cfg: ConfigTree): ServerSettings {
  const r = new Reader(cfg);
  const rootV = r.opt('server.root');
  const root = typeof rootV === 'string' ? rootV : Array.isArray(rootV) && typeof rootV[0] === 'string' ? rootV[0] : undefined;
  if (root === undefined) throw new ConfigError(`server.root: expected a string (or python's one-element list), got ${JSON.stringify(rootV)}`);
  const hostmap: Record<string, HostmapEntry> = {};
  for (const [k, v] of Object.entries(r.map('hostmap'))) {
    if (typeof v === 'string' || (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number')) hostmap[k] = v as HostmapEntry;
    else throw new ConfigError(`hostmap.${k}: expected "host:port" or [host, port]`);
  }
  const tags = new Map<string, string>();
  for (const [k, v] of Object.entries(r.map('serf.tags'))) tags.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const fsync = r.str('server.fsync') ?? 'ack';
  if (!isFsyncPolicy(fsync)) throw new ConfigError(`server.fsync: '${fsync}' is not ack or interval`);
  const level = r.str('logging.level') ?? r.str('logging.root.level') ?? 'info';
  let logLevel: LogLevel;
  try {
    logLevel = parseLogLevel(level);
  } catch (e) {
    throw new ConfigError(`logging.level: ${(e as Error).message}`);
  }
  const format = r.str('logging.format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new ConfigError(`logging.format: '${format}' is not text or json`);
  const rpcFlags = new Map<string, string | string[]>();
  const rpcAddr = r.str('serf.rpc_addr');
  if (rpcAddr) rpcFlags.set('rpc-addr', rpcAddr);
  const rpcAuth = r.str('serf.rpc_auth');
  if (rpcAuth) rpcFlags.set('rpc-auth', rpcAuth);
  const handlers = r.list('serf.event_handlers');
  if (handlers.length) rpcFlags.set('event-handler', handlers);
  const bindText = r.str('serf.bind');
  return {
    clientBinds: clientBinds(r),
    authHardened: r.bool('auth.hardened'),
    peerLogin: peerLogin(r.str('connect.auth')),
    buffer: r.num('server.buffer', 10, (n) => Number.isInteger(n) && n >= 0),
    root,
    ping: { cycle: r.num('server.ping.cycle', 10, (n) => n > 0), gap: r.num('server.ping.gap', 2, (n) => n > 0) },
    deletePing: { cycle: r.num('server.delete.cycle', 100, (n) => n > 0), gap: r.num('server.delete.gap', 10, (n) => n > 0) },
    hostmap,
    paranoia: r.bool('server.paranoia') || r.bool('paranoia'),
    dataDir: r.str('server.data_dir'),
    fsync,
    rotateBytes: r.num('server.rotate_bytes', 64 << 20, (n) => Number.isInteger(n) && n >= 4096),
    keepGenerations: r.num('server.keep_generations', 2, (n) => Number.isInteger(n) && n >= 1),
    metricsAddr: r.str('server.metrics_addr'),
    etcdAddr: r.str('server.etcd_addr'),
    bind: bindText ? addr('serf.bind', bindText, DEFAULT_GOSSIP_PORT) : { host: '127.0.0.1', port: DEFAULT_GOSSIP_PORT },
    bindIsDefault: bindText === undefined,
    advertise: r.str('serf.advertise'),
    join: r.list('serf.start_join'),
    encrypt: r.str('serf.encrypt_key'),
    keyringFile: r.str('serf.keyring_file'),
    tags,
    profile: r.str('serf.profile') ?? 'lan',
    rpcFlags,
    logLevel,
    logFormat: format,
  };
}


// `serf agent`'s configuration (cmd/serf/command/agent/config.go): JSON config files with Serf's
// keys, read in order (a directory contributes its *.json files in lexical order, not recursing),
// merged so that later sources win, then the command-line flags merged over the files. The rules
// of MergeConfig are kept: strings/numbers override when set, booleans only turn on, tags merge
// key by key, and event handlers and join lists accumulate.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseGoDuration } from './go-duration.js';

export interface AgentConfig {
  nodeName?: string;
  role?: string;
  disableCoordinates?: boolean;
  tags: Record<string, string>;
  tagsFile?: string;
  bind?: string;
  advertise?: string;
  encryptKey?: string;
  keyringFile?: string;
  logLevel?: string;
  rpcAddr?: string;
  rpcAuth?: string;
  protocol?: number;
  replayOnJoin?: boolean;
  queryResponseSizeLimit?: number;
  querySizeLimit?: number;
  userEventSizeLimit?: number;
  startJoin: string[];
  eventHandlers: string[];
  profile?: string;
  snapshotPath?: string;
  leaveOnTerminate?: boolean;
  skipLeaveOnInterrupt?: boolean;
  discover?: string;
  interface?: string;
  /** All durations in ms. */
  reconnectInterval?: number;
  reconnectTimeout?: number;
  tombstoneTimeout?: number;
  disableNameResolution?: boolean;
  enableSyslog?: boolean;
  syslogFacility?: string;
  retryJoin: string[];
  retryMaxAttempts?: number;
  retryInterval?: number;
  rejoinAfterLeave?: boolean;
  enableCompression?: boolean;
  statsiteAddr?: string;
  statsdAddr?: string;
  broadcastTimeout?: number;
}

type Kind = 'string' | 'bool' | 'int' | 'duration' | 'list' | 'tags';
type Field = Exclude<keyof AgentConfig, never>;

/** Serf's JSON key -> our field and its type. Keys outside this table are errors, as in Go. */
export const CONFIG_KEYS: Readonly<Record<string, readonly [Field, Kind]>> = {
  node_name: ['nodeName', 'string'],
  role: ['role', 'string'],
  disable_coordinates: ['disableCoordinates', 'bool'],
  tags: ['tags', 'tags'],
  tags_file: ['tagsFile', 'string'],
  bind: ['bind', 'string'],
  advertise: ['advertise', 'string'],
  encrypt_key: ['encryptKey', 'string'],
  keyring_file: ['keyringFile', 'string'],
  log_level: ['logLevel', 'string'],
  rpc_addr: ['rpcAddr', 'string'],
  rpc_auth: ['rpcAuth', 'string'],
  protocol: ['protocol', 'int'],
  replay_on_join: ['replayOnJoin', 'bool'],
  query_response_size_limit: ['queryResponseSizeLimit', 'int'],
  query_size_limit: ['querySizeLimit', 'int'],
  user_event_size_limit: ['userEventSizeLimit', 'int'],
  start_join: ['startJoin', 'list'],
  event_handlers: ['eventHandlers', 'list'],
  profile: ['profile', 'string'],
  snapshot_path: ['snapshotPath', 'string'],
  leave_on_terminate: ['leaveOnTerminate', 'bool'],
  skip_leave_on_interrupt: ['skipLeaveOnInterrupt', 'bool'],
  discover: ['discover', 'string'],
  interface: ['interface', 'string'],
  reconnect_interval: ['reconnectInterval', 'duration'],
  reconnect_timeout: ['reconnectTimeout', 'duration'],
  tombstone_timeout: ['tombstoneTimeout', 'duration'],
  disable_name_resolution: ['disableNameResolution', 'bool'],
  enable_syslog: ['enableSyslog', 'bool'],
  syslog_facility: ['syslogFacility', 'string'],
  retry_join: ['retryJoin', 'list'],
  retry_max_attempts: ['retryMaxAttempts', 'int'],
  retry_interval: ['retryInterval', 'duration'],
  rejoin_after_leave: ['rejoinAfterLeave', 'bool'],
  enable_compression: ['enableCompression', 'bool'],
  statsite_addr: ['statsiteAddr', 'string'],
  statsd_addr: ['statsdAddr', 'string'],
  broadcast_timeout: ['broadcastTimeout', 'duration'],
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function emptyConfig(): AgentConfig {
  return { tags: {}, startJoin: [], eventHandlers: [], retryJoin: [] };
}

/** Serf's DefaultConfig (the agent's, not the library's). */
export function defaultAgentConfig(): AgentConfig {
  return {
    ...emptyConfig(),
    bind: '0.0.0.0',
    logLevel: 'INFO',
    rpcAddr: '127.0.0.1:7373',
    protocol: 5,
    profile: 'lan',
    retryInterval: 30_000,
    syslogFacility: 'LOCAL0',
    queryResponseSizeLimit: 1024,
    querySizeLimit: 1024,
    userEventSizeLimit: 512,
    broadcastTimeout: 5_000,
  };
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** DecodeConfig: one JSON object with Serf's keys; unknown keys and wrong types are errors. */
export function decodeConfig(text: string): AgentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(e instanceof Error ? e.message : String(e));
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`expected a JSON object, got ${describe(raw)}`);
  const out = emptyConfig() as unknown as Record<string, unknown>;
  const unused: string[] = [];
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    const spec = CONFIG_KEYS[key];
    if (!spec) {
      unused.push(key);
      continue;
    }
    const [field, kind] = spec;
    const bad = () => new ConfigError(`'${key}' expected type ${kind}, got ${describe(v)}`);
    switch (kind) {
      case 'string':
        if (typeof v !== 'string') throw bad();
        out[field] = v;
        break;
      case 'bool':
        if (typeof v !== 'boolean') throw bad();
        out[field] = v;
        break;
      case 'int':
        if (typeof v !== 'number' || !Number.isInteger(v)) throw bad();
        out[field] = v;
        break;
      case 'duration':
        if (typeof v !== 'string') throw bad();
        // An empty string means "not set", as the Go decoder only parses non-empty raws.
        if (v !== '') {
          try {
            out[field] = parseGoDuration(v);
          } catch (e) {
            throw new ConfigError(`'${key}': ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        break;
      case 'list':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad();
        out[field] = [...(v as string[])];
        break;
      case 'tags':
        if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw bad();
        out[field] = { ...(v as Record<string, string>) };
        break;
    }
  }
  if (unused.length) throw new ConfigError(`invalid keys: ${unused.sort().join(', ')}`);
  return out as unknown as AgentConfig;
}

/** MergeConfig(a, b): b's settings over a's, with Serf's rules per field (see the file comment). */
export function mergeConfig(a: AgentConfig, b: AgentConfig): AgentConfig {
  const r: AgentConfig = { ...a, tags: { ...a.tags, ...b.tags } };
  const rec = r as unknown as Record<string, unknown>;
  for (const [, [field, kind]] of Object.entries(CONFIG_KEYS)) {
    const v = (b as unknown as Record<string, unknown>)[field];
    if (kind === 'list') rec[field] = [...((a[field] as string[] | undefined) ?? []), ...((v as string[] | undefined) ?? [])];
    else if (kind === 'tags') continue;
    else if (kind === 'bool') {
      if (v === true) rec[field] = true;
    } else if (kind === 'string') {
      if (typeof v === 'string' && v !== '') rec[field] = v;
    } else if (typeof v === 'number' && v !== 0) {
      // Go: "if b.Protocol > 0"; the other numbers override when non-zero.
      if (field !== 'protocol' || v > 0) rec[field] = v;
    }
  }
  // Go copies EnableCompression from b unconditionally (the flag side always sets it).
  if (b.enableCompression !== undefined) r.enableCompression = b.enableCompression;
  return r;
}

/** ReadConfigPaths: files are read as given, directories one level deep (*.json, by name). */
export function readConfigPaths(paths: readonly string[]): AgentConfig {
  let result = emptyConfig();
  const load = (p: string) => {
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      throw new ConfigError(`Error reading '${p}': ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      result = mergeConfig(result, decodeConfig(text));
    } catch (e) {
      throw new ConfigError(`Error decoding '${p}': ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      throw new ConfigError(`Error reading '${p}': ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isDir) {
      load(p);
      continue;
    }
    const names = readdirSync(p, { withFileTypes: true })
      .filter((d) => !d.isDirectory() && d.name.endsWith('.json'))
      .map((d) => d.name)
      // Go sorts by byte order of the name, not by locale.
      .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    for (const n of names) load(join(p, n));
  }
  return result;
}

/** Serf's UnmarshalTags: "k=v" pairs, the key non-empty. */
export function parseTagPairs(pairs: readonly string[]): Record<string, string> {
  // No prototype: a tag named "__proto__" is a tag like any other.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const t of pairs) {
    const i = t.indexOf('=');
    if (i <= 0) throw new ConfigError(`Invalid tag: '${t}'`);
    out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

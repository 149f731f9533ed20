// `distkv agent`: a Serf agent (gossip/serf on gossip/memberlist) that a Serf cluster accepts as
// one of its own — a drop-in for `serf agent` as far as the cluster goes: same flags (Go-style
// -flag=value or --flag), profiles, keys and keyring file, tags, graceful leave on SIGINT.
// Config files, tags file, keyring file and snapshot as `serf agent` has them: lib/agent/.
// (RPC port and -event-handler scripts: lib/serf-rpc/agent-rpc.ts.)
import { lookup } from 'node:dns/promises';
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { isProfileName } from '../../gossip/memberlist/config.js';
import { Keyring, keyFromBase64 } from '../../gossip/memberlist/keyring.js';
import { ipToBytes, ipToString } from '../../gossip/memberlist/node.js';
import type { Addr } from '../../gossip/runtime.js';
import { SubLogger } from '../../gossip/runtime.js';
import { isMemberEvent, type SerfEvent } from '../../gossip/serf/events.js';
import { Serf } from '../../gossip/serf/serf.js';
import type { Snapshotter } from '../../gossip/serf/snapshot.js';
import { type AgentConfig, ConfigError, defaultAgentConfig, emptyConfig, mergeConfig, parseTagPairs, readConfigPaths } from '../agent/config.js';
import { parseGoDuration } from '../agent/go-duration.js';
import { keyringPersister, loadTagsFile, writeKeyringFile, writeTagsFile } from '../agent/persist.js';
import { serfConfigFor } from '../agent/serf-config.js';
import { FileSnapshotSink } from '../agent/snapshot-file.js';
import { parseArgs, UsageError, type FlagSpec } from '../args.js';
import { createRealRuntime, parseLogLevel, StreamLogger, type RealRuntime } from '../runtime/index.js';
import { AGENT_RPC_FLAGS, agentLogTap, startAgentRpc } from '../serf-rpc/agent-rpc.js';

const SPEC: Record<string, FlagSpec> = {
  node: { type: 'string', help: 'node name (default: hostname)' },
  bind: { type: 'string', help: 'address to bind gossip to, host[:port] (default 0.0.0.0:7946)' },
  advertise: { type: 'string', help: 'address to advertise to the cluster, host[:port]' },
  'config-file': { type: 'list', aliases: ['config-dir'], help: 'JSON config file, or (-config-dir) directory of *.json, with Serf\'s keys (repeatable, later ones win)' },
  join: { type: 'list', help: 'agent to join at start (repeatable); the agent exits if none succeeds' },
  replay: { type: 'bool', help: 'replay past user events when joining at start' },
  'retry-join': { type: 'list', help: 'agent to join, retried until success (repeatable)' },
  'retry-interval': { type: 'string', help: 'time between retry-join attempts (default 30s)' },
  'retry-max': { type: 'string', help: 'retry-join attempts before giving up (default 0 = forever)' },
  encrypt: { type: 'string', help: 'base64 gossip encryption key (16, 24 or 32 bytes)' },
  'keyring-file': { type: 'string', help: 'Serf keyring file (JSON list of base64 keys, primary first); key changes are saved to it' },
  profile: { type: 'string', help: 'timing profile: lan, wan or local (default lan)' },
  protocol: { type: 'string', help: 'Serf protocol version, 2..5 (default 5)' },
  tag: { type: 'list', help: 'tag k=v (repeatable)' },
  'tags-file': { type: 'string', help: 'JSON file the tags are kept in: loaded at start, rewritten by `serf tags`' },
  role: { type: 'string', help: "deprecated: sets the tag 'role'" },
  snapshot: { type: 'string', help: 'snapshot file: members and clocks, to rejoin and not replay old events after a restart' },
  rejoin: { type: 'bool', help: 'rejoin the snapshot\'s members even after a graceful leave' },
  'broadcast-timeout': { type: 'string', help: 'timeout for leave/tag broadcasts (default 5s)' },
  'disable-compression': { type: 'bool', help: 'do not compress gossip messages' },
  'log-level': { type: 'string', help: 'trace|debug|info|warn|err (default info)' },
  ...AGENT_RPC_FLAGS,
  help: { type: 'bool', aliases: ['h'] },
};

function usage(): string {
  const lines = Object.entries(SPEC).map(([k, s]) => `  -${k.padEnd(15)} ${s.help ?? ''}`);
  return `usage: distkv agent [options]\n\n${lines.join('\n')}\n`;
}

/** "host", "host:port", "[v6]:port" → Addr. */
export function parseHostPort(text: string, defaultPort: number): Addr {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  const parts = text.split(':');
  if (parts.length === 2) {
    const port = Number(parts[1]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad port in '${text}'`);
    return { host: parts[0] || '0.0.0.0', port };
  }
  if (parts.length === 1) return { host: text, port: defaultPort };
  return { host: text, port: defaultPort }; // bare IPv6
}

/** Serf's choice for an unspecified bind address: the first private (else any) IPv4 of this host. */
export function defaultAdvertiseHost(): string {
  const addrs = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  const priv = addrs.find((a) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(a));
  return priv ?? addrs[0] ?? '127.0.0.1';
}

export function parseTags(list: string[]): Map<string, string> {
  try {
    return new Map(Object.entries(parseTagPairs(list)));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export function loadKeyring(encrypt: string | undefined, keyringFile: string | undefined): Keyring | undefined {
  const keys: Uint8Array[] = [];
  if (keyringFile) {
    const parsed = JSON.parse(readFileSync(keyringFile, 'utf8')) as unknown;
    if (!Array.isArray(parsed) || parsed.some((k) => typeof k !== 'string')) throw new UsageError(`${keyringFile}: expected a JSON list of base64 keys`);
    for (const k of parsed as string[]) keys.push(keyFromBase64(k));
  }
  if (encrypt) {
    const k = keyFromBase64(encrypt);
    // Like Serf: -encrypt becomes the primary key, the file's keys stay installed.
    keys.unshift(k);
  }
  if (keys.length === 0) return undefined;
  return new Keyring(keys[0], keys.slice(1));
}

/**
 * memberlist itself takes IP literals only (no DNS in protocol code); resolve host names here,
 * keeping an optional "name/" prefix and the port.
 */
export async function resolveJoinAddr(text: string, defaultPort: number): Promise<string> {
  const slash = text.indexOf('/');
  const prefix = slash > 0 ? text.slice(0, slash + 1) : '';
  const a = parseHostPort(text.slice(prefix.length), defaultPort);
  if (ipToBytes(a.host)) return text;
  // IPv4 first, as Serf's agents usually bind it; IPv6 only when the name has no A record.
  const { address, family } = await lookup(a.host, { family: 4 }).catch(() => lookup(a.host));
  return `${prefix}${family === 6 ? `[${address}]` : address}:${a.port}`;
}

function str(f: Map<string, unknown>, k: string): string | undefined {
  const v = f.get(k);
  return typeof v === 'string' ? v : undefined;
}

function list(f: Map<string, unknown>, k: string): string[] {
  const v = f.get(k);
  return Array.isArray(v) ? (v as string[]) : [];
}

function goDuration(text: string): number {
  try {
    return parseGoDuration(text);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** The command line as one more config source (Go's cmdConfig), merged last. */
export function flagsConfig(f: Map<string, unknown>): AgentConfig {
  const c = emptyConfig();
  const set = <K extends keyof AgentConfig>(k: K, v: AgentConfig[K] | undefined) => {
    if (v !== undefined) c[k] = v;
  };
  set('nodeName', str(f, 'node'));
  set('bind', str(f, 'bind'));
  set('advertise', str(f, 'advertise'));
  set('encryptKey', str(f, 'encrypt'));
  set('keyringFile', str(f, 'keyring-file'));
  set('logLevel', str(f, 'log-level'));
  set('rpcAddr', str(f, 'rpc-addr'));
  set('rpcAuth', str(f, 'rpc-auth'));
  set('profile', str(f, 'profile'));
  set('role', str(f, 'role'));
  set('snapshotPath', str(f, 'snapshot'));
  set('tagsFile', str(f, 'tags-file'));
  const protocol = str(f, 'protocol');
  if (protocol !== undefined) {
    if (!/^-?\d+$/.test(protocol)) throw new UsageError(`bad -protocol '${protocol}'`);
    c.protocol = Number(protocol);
  }
  const retryMax = str(f, 'retry-max');
  if (retryMax !== undefined) {
    if (!/^\d+$/.test(retryMax)) throw new UsageError(`bad -retry-max '${retryMax}'`);
    c.retryMaxAttempts = Number(retryMax);
  }
  const ri = str(f, 'retry-interval');
  if (ri !== undefined) c.retryInterval = goDuration(ri);
  const bt = str(f, 'broadcast-timeout');
  if (bt !== undefined) c.broadcastTimeout = goDuration(bt);
  if (f.get('replay') === true) c.replayOnJoin = true;
  if (f.get('rejoin') === true) c.rejoinAfterLeave = true;
  c.enableCompression = f.get('disable-compression') !== true;
  c.startJoin = list(f, 'join');
  c.retryJoin = list(f, 'retry-join');
  c.eventHandlers = list(f, 'event-handler');
  c.tags = Object.fromEntries(parseTags(list(f, 'tag')));
  return c;
}

/** Defaults, then the config files in order, then the flags (Go's readConfig). */
export function resolveAgentConfig(f: Map<string, unknown>): AgentConfig {
  const cmd = flagsConfig(f);
  const paths = list(f, 'config-file');
  let cfg = defaultAgentConfig();
  if (paths.length) cfg = mergeConfig(cfg, readConfigPaths(paths));
  cfg = mergeConfig(cfg, cmd);
  if (cfg.role) cfg.tags = { ...cfg.tags, role: cfg.role };
  // Go raises both to their floors with a warning; so do we (the warning is logged at start).
  if ((cfg.retryInterval ?? 0) < 1000) cfg.retryInterval = 1000;
  if ((cfg.broadcastTimeout ?? 0) < 1000) cfg.broadcastTimeout = 1000;
  return cfg;
}

/** Config keys Serf has that this agent accepts but does not act on. */
const UNSUPPORTED: [keyof AgentConfig, string][] = [
  ['discover', 'discover (mDNS)'],
  ['interface', 'interface'],
  ['enableSyslog', 'enable_syslog'],
  ['statsiteAddr', 'statsite_addr'],
  ['statsdAddr', 'statsd_addr'],
];

/** The tags to start with: -tag/config tags, or the tags file's (Serf refuses both at once). */
function startTags(cfg: AgentConfig, log: SubLogger): Map<string, string> {
  const configured = new Map(Object.entries(cfg.tags));
  if (!cfg.tagsFile) return configured;
  if (configured.size > 0) throw new UsageError('Tags config not allowed while using tag files');
  const restored = loadTagsFile(cfg.tagsFile);
  if (!restored) return configured;
  log.info(`Restored ${restored.size} tag(s) from ${cfg.tagsFile}`);
  return restored;
}

/** -encrypt and/or -keyring-file; a keyring file that does not exist yet is created from -encrypt. */
function startKeyring(cfg: AgentConfig, log: SubLogger): Keyring | undefined {
  const file = cfg.keyringFile;
  if (file && !existsSync(file)) {
    if (!cfg.encryptKey) throw new UsageError(`keyring file ${file} does not exist`);
    const kr = loadKeyring(cfg.encryptKey, undefined)!;
    writeKeyringFile(file, kr);
    return kr;
  }
  const kr = loadKeyring(cfg.encryptKey, file);
  if (file && kr) log.info(`Restored keyring with ${kr.getKeys().length} keys from ${file}`);
  return kr;
}

export async function run(argv: string[]): Promise<number> {
  let f: Map<string, unknown>;
  let cfg: AgentConfig;
  try {
    const args = parseArgs(argv, SPEC);
    if (args.positional.length) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    f = args.flags;
    if (f.get('help')) {
      process.stdout.write(usage());
      return 0;
    }
    cfg = resolveAgentConfig(f);
  } catch (e) {
    if (!(e instanceof UsageError || e instanceof ConfigError)) throw e;
    process.stderr.write(`distkv agent: ${e.message}\n\n${usage()}`);
    return 2;
  }

  let rt: RealRuntime | undefined;
  let serf: Serf | undefined;
  let log: SubLogger;
  let snapshotSink: FileSnapshotSink | undefined;
  try {
    const profile = cfg.profile ?? 'lan';
    if (!isProfileName(profile)) throw new UsageError(`unknown profile '${profile}' (lan, wan, local)`);
    const name = cfg.nodeName ?? (await import('node:os')).hostname();
    const bind = parseHostPort(cfg.bind ?? '0.0.0.0', 7946);
    const advertise = cfg.advertise ? parseHostPort(cfg.advertise, bind.port) : undefined;
    const level = parseLogLevel(cfg.logLevel ?? 'info');

    const logs = agentLogTap(new StreamLogger({ level }));
    rt = await createRealRuntime({ bind, logger: logs, keepAliveTimers: true });
    log = new SubLogger(rt.logger, 'agent');
    for (const [k, what] of UNSUPPORTED) if (cfg[k]) log.warn(`${what} is not supported by distkv agent; ignored`);
    if (cfg.rejoinAfterLeave && !cfg.snapshotPath) log.warn("'RejoinAfterLeave' enabled without snapshot file");
    const tags = startTags(cfg, log);
    const keyring = startKeyring(cfg, log);
    const config = serfConfigFor(cfg, name, profile, tags);
    config.memberlist.enableCompression = cfg.enableCompression !== false;
    const advertiseAddr: Addr = advertise
      ? { host: advertise.host, port: advertise.port || rt.addr.port }
      : { host: rt.addr.host === '0.0.0.0' ? defaultAdvertiseHost() : rt.addr.host, port: rt.addr.port };
    let snapshot: Snapshotter | undefined;
    if (cfg.snapshotPath) ({ snapshotter: snapshot, sink: snapshotSink } = await FileSnapshotSink.open(cfg.snapshotPath, !!cfg.rejoinAfterLeave, rt.logger));
    const keyringFile = cfg.keyringFile;
    serf = Serf.create(rt, {
      config,
      advertise: advertiseAddr,
      ...(keyring ? { keyring } : {}),
      ...(snapshot ? { snapshot } : {}),
      ...(keyringFile ? { persistKeyring: keyringPersister(keyringFile, () => serf?.memberlist.keyring) } : {}),
    });
    serf.onEvent((e) => logEvent(log, e));
    // Serf's agent RPC (serf CLI, asyncserf) and -event-handler scripts; closed when serf shuts down.
    const rpcFlags = new Map<string, unknown>([['event-handler', cfg.eventHandlers]]);
    if (cfg.rpcAddr) rpcFlags.set('rpc-addr', cfg.rpcAddr);
    if (cfg.rpcAuth) rpcFlags.set('rpc-auth', cfg.rpcAuth);
    const tagsFile = cfg.tagsFile;
    await startAgentRpc(serf, rpcFlags, {
      logs,
      resolveJoin: (a) => resolveJoinAddr(a, 7946),
      shutdown: async () => void process.emit('SIGTERM'),
      ...(tagsFile ? { saveTags: (t: ReadonlyMap<string, string>) => writeTagsFile(tagsFile, t) } : {}),
    });
    process.stdout.write(
      `distkv agent running!\n    Node name: '${name}'\n    Bind addr: '${rt.addr.host}:${rt.addr.port}'\n    Advertise: '${advertiseAddr.host}:${advertiseAddr.port}'\n    Encrypted: ${keyring ? 'true' : 'false'}\n    Snapshot: ${cfg.snapshotPath ? 'true' : 'false'}\n    Profile: ${profile}\n`,
    );

    const joins = await Promise.all(cfg.startJoin.map((j) => resolveJoinAddr(j, 7946)));
    if (joins.length) {
      try {
        // Serf's agent: without -replay, user events from before the join are ignored.
        const joined = await serf.join(joins, !cfg.replayOnJoin);
        process.stdout.write(`Join completed. Synced with ${joined} initial agents\n`);
      } catch (e) {
        process.stderr.write(`distkv agent: error joining: ${e instanceof Error ? e.message : String(e)}\n`);
        await serf.shutdown();
        await snapshotSink?.close();
        await rt.close();
        return 1;
      }
    }
    // Names in -retry-join are resolved at each attempt (they may not exist yet).
    if (cfg.retryJoin.length) void retryJoin(serf, cfg.retryJoin, cfg.retryInterval ?? 30_000, cfg.retryMaxAttempts ?? 0, log);
  } catch (e) {
    // Whatever was started must not keep the process alive.
    await serf?.shutdown().catch(() => {});
    await snapshotSink?.close().catch(() => {});
    await rt?.close().catch(() => {});
    if (e instanceof UsageError || e instanceof ConfigError || (e instanceof Error && /key|keyring/i.test(e.message))) {
      process.stderr.write(`distkv agent: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  // Serf's signal handling: SIGINT leaves gracefully (unless skip_leave_on_interrupt), SIGTERM
  // just stops (unless leave_on_terminate); a second signal forces the exit.
  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = async (graceful: boolean) => {
      if (stopping) {
        resolve(1);
        return;
      }
      stopping = true;
      if (graceful) {
        process.stdout.write('Gracefully shutting down agent...\n');
        try {
          await serf.leave();
        } catch (e) {
          log.warn('leave did not complete', { error: e instanceof Error ? e.message : String(e) });
        }
      }
      await serf.shutdown();
      await snapshotSink?.close();
      await rt.close();
      resolve(0);
    };
    process.on('SIGINT', () => void finish(!cfg.skipLeaveOnInterrupt));
    process.on('SIGTERM', () => void finish(!!cfg.leaveOnTerminate));
  });
}

async function retryJoin(serf: Serf, addrs: string[], interval: number, max: number, log: SubLogger): Promise<void> {
  for (let attempt = 1; serf.state() === 'alive'; attempt++) {
    try {
      const joined = await serf.join(await Promise.all(addrs.map((a) => resolveJoinAddr(a, 7946))));
      log.info('retry join completed', { joined });
      return;
    } catch (e) {
      log.warn('retry join failed', { attempt, error: e instanceof Error ? e.message : String(e) });
    }
    if (max > 0 && attempt >= max) return;
    await new Promise((res) => setTimeout(res, interval));
  }
}

const EVENT_NAMES: Record<string, string> = {
  'member-join': 'EventMemberJoin',
  'member-leave': 'EventMemberLeave',
  'member-failed': 'EventMemberFailed',
  'member-update': 'EventMemberUpdate',
  'member-reap': 'EventMemberReap',
};

function logEvent(log: SubLogger, e: SerfEvent): void {
  if (isMemberEvent(e)) {
    for (const m of e.members) log.info(EVENT_NAMES[e.type] ?? e.type, { node: m.name, addr: `${ipToString(m.addr)}:${m.port}` });
  } else if (e.type === 'user') {
    log.info('received event', { name: e.name, bytes: e.payload.length });
  } else {
    log.info('received query', { name: e.query.name });
  }
}

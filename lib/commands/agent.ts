// `distkv agent`: a Serf agent (gossip/serf on gossip/memberlist) that a Serf cluster accepts as
// one of its own — a drop-in for `serf agent` as far as the cluster goes: same flags (Go-style
// -flag=value or --flag), profiles, keys and keyring file, tags, graceful leave on SIGINT.
// (RPC port and -event-handler scripts: lib/serf-rpc/agent-rpc.ts; snapshots are not offered here.)
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { isProfileName, profileConfig } from '../../gossip/memberlist/config.js';
import { Keyring, keyFromBase64 } from '../../gossip/memberlist/keyring.js';
import { ipToBytes, ipToString } from '../../gossip/memberlist/node.js';
import type { Addr } from '../../gossip/runtime.js';
import { SubLogger } from '../../gossip/runtime.js';
import { defaultSerfConfig } from '../../gossip/serf/config.js';
import { isMemberEvent, type SerfEvent } from '../../gossip/serf/events.js';
import { Serf } from '../../gossip/serf/serf.js';
import { parseArgs, parseDuration, UsageError, type FlagSpec } from '../args.js';
import { createRealRuntime, parseLogLevel, StreamLogger, type RealRuntime } from '../runtime/index.js';
import { AGENT_RPC_FLAGS, agentLogTap, startAgentRpc } from '../serf-rpc/agent-rpc.js';

const SPEC: Record<string, FlagSpec> = {
  node: { type: 'string', help: 'node name (default: hostname)' },
  bind: { type: 'string', help: 'address to bind gossip to, host[:port] (default 0.0.0.0:7946)' },
  advertise: { type: 'string', help: 'address to advertise to the cluster, host[:port]' },
  join: { type: 'list', help: 'agent to join at start (repeatable); the agent exits if none succeeds' },
  'retry-join': { type: 'list', help: 'agent to join, retried until success (repeatable)' },
  'retry-interval': { type: 'string', help: 'time between retry-join attempts (default 30s)' },
  'retry-max': { type: 'string', help: 'retry-join attempts before giving up (default 0 = forever)' },
  encrypt: { type: 'string', help: 'base64 gossip encryption key (16, 24 or 32 bytes)' },
  'keyring-file': { type: 'string', help: "Serf keyring file: a JSON list of base64 keys, first is primary" },
  profile: { type: 'string', help: 'timing profile: lan, wan or local (default lan)' },
  tag: { type: 'list', help: 'tag k=v (repeatable)' },
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
  const tags = new Map<string, string>();
  for (const t of list) {
    const i = t.indexOf('=');
    if (i <= 0) throw new UsageError(`bad tag '${t}' (want key=value)`);
    tags.set(t.slice(0, i), t.slice(i + 1));
  }
  return tags;
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

export async function run(argv: string[]): Promise<number> {
  let f: Map<string, unknown>;
  try {
    const args = parseArgs(argv, SPEC);
    if (args.positional.length) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    f = args.flags;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`distkv agent: ${e.message}\n\n${usage()}`);
    return 2;
  }
  if (f.get('help')) {
    process.stdout.write(usage());
    return 0;
  }

  let rt: RealRuntime;
  let serf: Serf;
  let log: SubLogger;
  try {
    const profile = str(f, 'profile') ?? 'lan';
    if (!isProfileName(profile)) throw new UsageError(`unknown profile '${profile}' (lan, wan, local)`);
    const name = str(f, 'node') ?? (await import('node:os')).hostname();
    const bind = parseHostPort(str(f, 'bind') ?? '0.0.0.0', 7946);
    const adv = str(f, 'advertise');
    const advertise = adv ? parseHostPort(adv, bind.port) : undefined;
    const keyring = loadKeyring(str(f, 'encrypt'), str(f, 'keyring-file'));
    const tags = parseTags(list(f, 'tag'));
    const level = parseLogLevel(str(f, 'log-level') ?? 'info');
    const retryInterval = parseDuration(str(f, 'retry-interval') ?? '30s');
    const retryMax = Number(str(f, 'retry-max') ?? '0');

    const logs = agentLogTap(new StreamLogger({ level }));
    rt = await createRealRuntime({ bind, logger: logs, keepAliveTimers: true });
    log = new SubLogger(rt.logger, 'agent');
    const config = defaultSerfConfig(name, profileConfig(profile, name));
    config.tags = tags;
    // As `serf agent` sets them.
    config.coalescePeriod = 3_000;
    config.quiescentPeriod = 1_000;
    const advertiseAddr: Addr = advertise
      ? { host: advertise.host, port: advertise.port || rt.addr.port }
      : { host: rt.addr.host === '0.0.0.0' ? defaultAdvertiseHost() : rt.addr.host, port: rt.addr.port };
    serf = Serf.create(rt, { config, advertise: advertiseAddr, ...(keyring ? { keyring } : {}) });
    serf.onEvent((e) => logEvent(log, e));
    // Serf's agent RPC (serf CLI, asyncserf) and -event-handler scripts; closed when serf shuts down.
    await startAgentRpc(serf, f, { logs, resolveJoin: (a) => resolveJoinAddr(a, 7946), shutdown: async () => void process.emit('SIGTERM') });
    process.stdout.write(
      `distkv agent running!\n    Node name: '${name}'\n    Bind addr: '${rt.addr.host}:${rt.addr.port}'\n    Advertise: '${advertiseAddr.host}:${advertiseAddr.port}'\n    Encrypted: ${keyring ? 'true' : 'false'}\n    Profile: ${profile}\n`,
    );

    const joins = await Promise.all(list(f, 'join').map((j) => resolveJoinAddr(j, 7946)));
    if (joins.length) {
      try {
        const joined = await serf.join(joins);
        process.stdout.write(`Join completed. Synced with ${joined} initial agents\n`);
      } catch (e) {
        process.stderr.write(`distkv agent: error joining: ${e instanceof Error ? e.message : String(e)}\n`);
        await serf.shutdown();
        await rt.close();
        return 1;
      }
    }
    const retry = list(f, 'retry-join');
    // Names in -retry-join are resolved at each attempt (they may not exist yet).
    if (retry.length) void retryJoin(serf, retry, retryInterval, retryMax, log);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && /key|keyring/i.test(e.message))) {
      process.stderr.write(`distkv agent: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  // Serf's signal handling: SIGINT leaves gracefully (a second one forces), SIGTERM just stops.
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
      await rt.close();
      resolve(0);
    };
    process.on('SIGINT', () => void finish(true));
    process.on('SIGTERM', () => void finish(false));
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

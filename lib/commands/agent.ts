// `distkv agent`: a gossip agent that a Serf cluster accepts as one of its own — a drop-in for
// `serf agent` as far as membership goes: same flags (Go-style -flag=value or --flag), same
// profiles, keys and keyring file, tags as Serf-encoded node metadata, graceful leave on SIGINT.
// (Serf's event/query/RPC features come with the Serf layer; see gossip/serf/.)
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { isProfileName, profileConfig } from '../../gossip/memberlist/config.js';
import { Keyring, keyFromBase64 } from '../../gossip/memberlist/keyring.js';
import { Memberlist } from '../../gossip/memberlist/memberlist.js';
import { ipToString, stateName, type MemberNode } from '../../gossip/memberlist/node.js';
import type { Addr } from '../../gossip/runtime.js';
import { SubLogger } from '../../gossip/runtime.js';
import { TagMember } from '../agent/tag-member.js';
import { parseArgs, parseDuration, UsageError, type FlagSpec } from '../args.js';
import { createRealRuntime, parseLogLevel, type RealRuntime } from '../runtime/index.js';

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
function defaultAdvertiseHost(): string {
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
  let ml: Memberlist;
  let member: TagMember;
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

    rt = await createRealRuntime({ bind, logLevel: level, keepAliveTimers: true });
    log = new SubLogger(rt.logger, 'agent');
    const cfg = profileConfig(profile, name);
    member = new TagMember(name, tags, cfg.retransmitMult);
    const advertiseAddr: Addr = advertise
      ? { host: advertise.host, port: advertise.port || rt.addr.port }
      : { host: rt.addr.host === '0.0.0.0' ? defaultAdvertiseHost() : rt.addr.host, port: rt.addr.port };
    ml = Memberlist.create(rt, {
      config: cfg,
      delegates: { delegate: member, events: eventLogger(log) },
      advertise: advertiseAddr,
      ...(keyring ? { keyring } : {}),
    });
    member.attach(ml);
    process.stdout.write(
      `distkv agent running!\n    Node name: '${name}'\n    Bind addr: '${rt.addr.host}:${rt.addr.port}'\n    Advertise: '${advertiseAddr.host}:${advertiseAddr.port}'\n    Encrypted: ${keyring ? 'true' : 'false'}\n    Profile: ${profile}\n`,
    );

    const joins = list(f, 'join');
    if (joins.length) {
      const r = await ml.join(joins);
      if (r.joined === 0) {
        process.stderr.write(`distkv agent: error joining: ${r.errors.join('; ')}\n`);
        await ml.shutdown();
        await rt.close();
        return 1;
      }
      process.stdout.write(`Join completed. Synced with ${r.joined} initial agents\n`);
    }
    const retry = list(f, 'retry-join');
    if (retry.length) void retryJoin(ml, retry, retryInterval, retryMax, log);
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
          await member.leave(5_000);
        } catch (e) {
          log.warn('leave did not complete', { error: e instanceof Error ? e.message : String(e) });
        }
      }
      await ml.shutdown();
      await rt.close();
      resolve(0);
    };
    process.on('SIGINT', () => void finish(true));
    process.on('SIGTERM', () => void finish(false));
  });
}

async function retryJoin(ml: Memberlist, addrs: string[], interval: number, max: number, log: SubLogger): Promise<void> {
  for (let attempt = 1; !ml.hasShutdown(); attempt++) {
    const r = await ml.join(addrs);
    if (r.joined > 0) {
      log.info('retry join completed', { joined: r.joined });
      return;
    }
    log.warn('retry join failed', { attempt, errors: r.errors });
    if (max > 0 && attempt >= max) return;
    await new Promise((res) => setTimeout(res, interval));
  }
}

function eventLogger(log: SubLogger) {
  const describe = (n: MemberNode) => ({ node: n.name, addr: `${ipToString(n.addr)}:${n.port}` });
  return {
    notifyJoin: (n: MemberNode) => log.info('EventMemberJoin', describe(n)),
    notifyLeave: (n: MemberNode) => log.info(n.state === 3 ? 'EventMemberLeave' : 'EventMemberFailed', { ...describe(n), state: stateName(n.state) }),
    notifyUpdate: (n: MemberNode) => log.info('EventMemberUpdate', describe(n)),
  };
}

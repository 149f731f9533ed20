// `distkv server NAME`: DistKV's server command (python `distkv server`): one process = our Serf
// agent + the Replica + the client port (lib/node.ts). Prints "Running." on stdout once the
// client port is open, as python does (a node without data first syncs from a peer).
import { readFileSync } from 'node:fs';
import { parseArgs, UsageError, type FlagSpec } from '../args.js';
import { onShutdownSignals, parseAddr, parseLogLevel, StreamLogger, type LogFormat } from '../runtime/index.js';
import { DEFAULT_GOSSIP_PORT, DistkvNode } from '../node.js';
import { isProfileName } from '../../gossip/memberlist/config.js';
import { AGENT_RPC_FLAGS, agentLogTap } from '../serf-rpc/agent-rpc.js';
import type { HostmapEntry } from '../../store/replication/host-port.js';
import { loadKeyring, parseHostPort, parseTags } from './agent.js';
import { ETCD_ADDR_FLAG, startEtcdOption } from '../etcd/server-option.js';
import { evalValue } from '../client/value-text.js';
import type { Value } from '../../store/codec.js';

export const DEFAULT_CLIENT_PORT = 27586;

const SPEC: Record<string, FlagSpec> = {
  init: { type: 'string', aliases: ['I'], help: "set the root value: start a new cluster (python: tick 1)" },
  eval: { type: 'bool', aliases: ['e'], help: 'evaluate the --init value (literal or JSON)' },
  load: { type: 'list', aliases: ['l'], help: 'load a saved file or change log before serving (repeatable)' },
  save: { type: 'string', aliases: ['s'], help: 'log every change to this file (with a full snapshot first)' },
  incremental: { type: 'bool', aliases: ['i'], help: 'with --save: changes only, no snapshot' },
  authoritative: { type: 'bool', aliases: ['a'], help: 'after --load, ticks still missing count as gone' },
  force: { type: 'bool', aliases: ['f'], help: 'serve even without data (a lone node starting empty)' },
  'client-addr': { type: 'string', help: `client port, host:port (default 127.0.0.1:${DEFAULT_CLIENT_PORT})` },
  'etcd-addr': ETCD_ADDR_FLAG,
  config: { type: 'string', aliases: ['c'], help: 'JSON config file ({"server": {"bind_default": {"port": N}, "buffer": N}, ...})' },
  set: { type: 'list', aliases: ['C'], help: 'config override key=value (python names: server.bind_default.port, server.buffer, ...)' },
  bind: { type: 'string', help: `gossip (Serf) address, host[:port] (default 127.0.0.1:${DEFAULT_GOSSIP_PORT})` },
  advertise: { type: 'string', help: 'gossip address to advertise, host[:port]' },
  join: { type: 'list', help: 'Serf agent or DistKV node to join, host[:port] (repeatable)' },
  encrypt: { type: 'string', help: 'base64 gossip encryption key (16, 24 or 32 bytes)' },
  'keyring-file': { type: 'string', help: 'Serf keyring file: a JSON list of base64 keys, first is primary' },
  tag: { type: 'list', help: 'Serf tag k=v (repeatable)' },
  profile: { type: 'string', help: 'gossip timing profile: lan, wan or local (default lan)' },
  root: { type: 'string', help: 'event name prefix (python server.root, default :distkv)' },
  ...AGENT_RPC_FLAGS,
  // several servers run side by side by default: no RPC port unless asked for
  'rpc-addr': { type: 'string', help: 'Serf RPC address (serf CLI, asyncserf), host:port (off unless given)' },
  'log-level': { type: 'string', help: 'debug|info|warn|error (default info)' },
  'log-format': { type: 'string', help: 'text|json (default text)' },
  help: { type: 'bool', aliases: ['h'] },
};

function usage(): string {
  const lines = Object.entries(SPEC).map(([k, s]) => `  ${[...(s.aliases ?? []).map((a) => `-${a}`), `--${k}`].join(', ').padEnd(26)} ${s.help ?? ''}`);
  return `usage: distkv server [options] NAME\n\n${lines.join('\n')}\n`;
}

type Cfg = Record<string, unknown>;

/** python's `-C a.b.c=value`: numbers and "quoted" strings are evaluated, the rest stays text. */
function applyOverride(cfg: Cfg, kv: string): void {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new UsageError(`-C wants key=value, got '${kv}'`);
  const keys = kv.slice(0, eq).split('.');
  const text = kv.slice(eq + 1);
  let v: unknown = text;
  try {
    v = evalValue(text);
  } catch {
    // stays a string, as python's -C does for e.g. 127.0.0.1:27586
  }
  let o = cfg;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Cfg;
  }
  o[keys.at(-1)!] = v;
}

function dig(cfg: Cfg, path: string): unknown {
  let o: unknown = cfg;
  for (const k of path.split('.')) {
    if (typeof o !== 'object' || o === null) return undefined;
    o = (o as Cfg)[k];
  }
  return o;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, SPEC);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${usage()}`);
    return 2;
  }
  const f = parsed.flags;
  if (f.get('help')) {
    process.stdout.write(usage());
    return 0;
  }
  if (parsed.positional.length !== 1) {
    process.stderr.write(`distkv server: exactly one NAME is needed\n\n${usage()}`);
    return 2;
  }
  const name = parsed.positional[0]!;
  let cfg: Cfg = {};
  try {
    if (f.has('config')) cfg = JSON.parse(readFileSync(f.get('config') as string, 'utf8')) as Cfg;
    for (const kv of (f.get('set') as string[] | undefined) ?? []) applyOverride(cfg, kv);
  } catch (e) {
    process.stderr.write(`distkv server: bad configuration: ${(e as Error).message}\n`);
    return 2;
  }
  const logs = agentLogTap(new StreamLogger({
    level: parseLogLevel((f.get('log-level') as string | undefined) ?? 'info'),
    format: ((f.get('log-format') as string | undefined) ?? 'text') as LogFormat,
  }));
  const logger = logs;
  let addrText = f.get('client-addr') as string | undefined;
  if (addrText === undefined) {
    const host = (dig(cfg, 'server.bind_default.host') as string | undefined) ?? '127.0.0.1';
    const port = (dig(cfg, 'server.bind_default.port') as number | undefined) ?? DEFAULT_CLIENT_PORT;
    addrText = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  let init: Value | undefined;
  try {
    const i = f.get('init') as string | undefined;
    if (i !== undefined) init = f.get('eval') ? evalValue(i) : i;
  } catch (e) {
    process.stderr.write(`distkv server: ${(e as Error).message}\n`);
    return 2;
  }
  const addr = parseAddr(addrText, DEFAULT_CLIENT_PORT);
  const buffer = dig(cfg, 'server.buffer');
  const num = (k: string): number | undefined => {
    const v = dig(cfg, k);
    return typeof v === 'number' ? v : undefined;
  };
  const rootCfg = dig(cfg, 'server.root');
  const root = (f.get('root') as string | undefined) ?? (typeof rootCfg === 'string' ? rootCfg : Array.isArray(rootCfg) && typeof rootCfg[0] === 'string' ? rootCfg[0] : undefined);
  const hostmapCfg = dig(cfg, 'hostmap');
  const hostmap: Record<string, HostmapEntry> = {};
  if (typeof hostmapCfg === 'object' && hostmapCfg !== null)
    for (const [k, v] of Object.entries(hostmapCfg)) if (typeof v === 'string' || (Array.isArray(v) && v.length === 2)) hostmap[k] = v as HostmapEntry;
  let node: DistkvNode;
  try {
    const profile = (f.get('profile') as string | undefined) ?? 'lan';
    if (!isProfileName(profile)) throw new UsageError(`unknown profile '${profile}' (lan, wan, local)`);
    const bind = parseHostPort((f.get('bind') as string | undefined) ?? '127.0.0.1', DEFAULT_GOSSIP_PORT);
    const adv = f.get('advertise') as string | undefined;
    const keyring = loadKeyring(f.get('encrypt') as string | undefined, f.get('keyring-file') as string | undefined);
    node = await DistkvNode.create({
      name,
      logger,
      logs,
      bind,
      bindIsDefault: !f.has('bind'),
      ...(adv ? { advertise: parseHostPort(adv, bind.port) } : {}),
      join: (f.get('join') as string[] | undefined) ?? [],
      ...(keyring ? { keyring } : {}),
      tags: parseTags((f.get('tag') as string[] | undefined) ?? []),
      profile,
      clientAddr: addr,
      rpcFlags: f,
      ...(root ? { root } : {}),
      ping: { cycle: num('server.ping.cycle'), gap: num('server.ping.gap') },
      hostmap,
      server: {
        init,
        load: f.get('load') as string[] | undefined,
        authoritative: !!f.get('authoritative'),
        save: f.get('save') as string | undefined,
        incremental: !!f.get('incremental'),
        force: !!f.get('force'),
        qlen: typeof buffer === 'number' ? buffer : undefined,
      },
    });
  } catch (e) {
    process.stderr.write(`distkv server: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
  const server = node.server;
  // the listening socket (also while waiting) keeps the process alive; after a signal the
  // shutdown ends in process.exit, as python's server exits, whatever handle may linger
  let done!: (code: number) => void;
  const finished = new Promise<number>((r) => (done = r));
  const offSignals = onShutdownSignals({
    interrupt: () => node.stop(),
    exit: (code) => {
      done(code);
      process.exit(code);
    },
  });
  try {
    const state = await node.start();
    await startEtcdOption(f.get('etcd-addr') as string | undefined, server.store, server.opts.clock, logger);
    if (state === 'serving') process.stdout.write('Running.\n');
  } catch (e) {
    process.stderr.write(`distkv server: ${(e as Error).message}\n`);
    await node.stop(false);
    offSignals();
    return 1;
  }
  const code = await finished;
  offSignals();
  return code;
}

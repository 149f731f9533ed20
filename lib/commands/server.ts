// `distkv server NAME`: DistKV's server command (python `distkv server`): one process = our Serf
// agent + the Replica + the client port (lib/node.ts). Prints "Running." on stdout once the
// client port is open, as python does (a node without data first syncs from a peer).
// Configuration: defaults < file (-c / DISTKV_CONFIG) < DISTKV_* < -C < named flags
// (lib/config/). Signals: SIGINT/SIGTERM leave the cluster, flush and exit 0; SIGHUP reloads
// what can change at run time (lib/config/reload.ts).
import { readFileSync } from 'node:fs';
import { parseArgs, UsageError, type FlagSpec } from '../args.js';
import { onShutdownSignals, StreamLogger } from '../runtime/index.js';
import { DistkvNode } from '../node.js';
import { isProfileName } from '../../gossip/memberlist/config.js';
import { SubLogger } from '../../gossip/runtime.js';
import { AGENT_RPC_FLAGS, agentLogTap } from '../serf-rpc/agent-rpc.js';
import { loadKeyring, parseHostPort } from './agent.js';
import { ETCD_ADDR_FLAG, startEtcdOption } from '../etcd/server-option.js';
import { evalValue } from '../client/value-text.js';
import type { Value } from '../../store/codec.js';
import { DEFAULT_CLIENT_PORT, DEFAULT_GOSSIP_PORT } from '../config/defaults.js';
import { ConfigError, ENV_CONFIG, parseConfigText, type ConfigTree } from '../config/layers.js';
import { resolveConfig, serverSettings, type ServerSettings } from '../config/server-config.js';
import { SwitchLogger } from '../config/switch-logger.js';
import { applyReload } from '../config/reload.js';
import { readClientTls } from '../config/client-tls.js';
import { startMetricsOption } from '../metrics/server-option.js';

export { DEFAULT_CLIENT_PORT };

const SPEC: Record<string, FlagSpec> = {
  init: { type: 'string', aliases: ['I'], help: "set the root value: start a new cluster (python: tick 1)" },
  eval: { type: 'bool', aliases: ['e'], help: 'evaluate the --init value (literal or JSON)' },
  load: { type: 'list', aliases: ['l'], help: 'load a saved file or change log before serving (repeatable)' },
  save: { type: 'string', aliases: ['s'], help: 'log every change to this file (with a full snapshot first)' },
  incremental: { type: 'bool', aliases: ['i'], help: 'with --save: changes only, no snapshot' },
  authoritative: { type: 'bool', aliases: ['a'], help: 'after --load, ticks still missing count as gone' },
  force: { type: 'bool', aliases: ['f'], help: 'serve even without data (a lone node starting empty)' },
  'client-addr': { type: 'string', help: `client port, host:port (default 127.0.0.1:${DEFAULT_CLIENT_PORT}; server.bind_default)` },
  'tls-cert': { type: 'string', help: 'TLS on the client port: PEM certificate file (server.bind_default.ssl.cert)' },
  'tls-key': { type: 'string', help: 'TLS on the client port: PEM key file (server.bind_default.ssl.key)' },
  'tls-client-ca': { type: 'string', help: 'mutual TLS: clients must show a certificate this PEM CA signed (server.bind_default.ssl.ca)' },
  'auth-hardened': { type: 'bool', help: 'store new password users salted + scrypted (auth.hardened; docs/auth.md)' },
  'data-dir': { type: 'string', help: 'keep snapshots + change logs here, restored at start (server.data_dir)' },
  fsync: { type: 'string', help: "ack (default: a write is acknowledged once fsynced, group commit) or interval (python's 1 s)" },
  'metrics-addr': { type: 'string', help: 'Prometheus /metrics on host:port (off unless given; server.metrics_addr)' },
  'etcd-addr': ETCD_ADDR_FLAG,
  config: { type: 'string', aliases: ['c'], help: `YAML or JSON config file, DistKV's shape (also ${ENV_CONFIG})` },
  set: { type: 'list', aliases: ['C'], help: 'config override key=value (python names: server.bind_default.port, server.buffer, ...)' },
  bind: { type: 'string', help: `gossip (Serf) address, host[:port] (default 127.0.0.1:${DEFAULT_GOSSIP_PORT})` },
  advertise: { type: 'string', help: 'gossip address to advertise, host[:port]' },
  join: { type: 'list', help: 'Serf agent or DistKV node to join, host[:port] (repeatable)' },
  encrypt: { type: 'string', help: 'base64 gossip encryption key (16, 24 or 32 bytes)' },
  'keyring-file': { type: 'string', help: 'Serf keyring file: a JSON list of base64 keys, first is primary' },
  tag: { type: 'list', help: 'Serf tag k=v (repeatable; SIGHUP reloads tags from the config)' },
  profile: { type: 'string', help: 'gossip timing profile: lan, wan or local (default lan)' },
  root: { type: 'string', help: 'event name prefix (python server.root, default :distkv)' },
  ...AGENT_RPC_FLAGS,
  // several servers run side by side by default: no RPC port unless asked for
  'rpc-addr': { type: 'string', help: 'Serf RPC address (serf CLI, asyncserf), host:port (off unless given)' },
  'log-level': { type: 'string', help: 'debug|info|warn|error (default info; logging.level)' },
  'log-format': { type: 'string', help: 'text|json (default text; json = one JSON object per line)' },
  help: { type: 'bool', aliases: ['h'] },
};

function usage(): string {
  const lines = Object.entries(SPEC).map(([k, s]) => `  ${[...(s.aliases ?? []).map((a) => `-${a}`), `--${k}`].join(', ').padEnd(26)} ${s.help ?? ''}`);
  return `usage: distkv server [options] NAME\n\n${lines.join('\n')}\n`;
}

/** Every layer read afresh (start, and again on SIGHUP). */
function loadSettings(flags: ReadonlyMap<string, string | boolean | string[]>, env: NodeJS.ProcessEnv): { cfg: ConfigTree; settings: ServerSettings } {
  const path = (flags.get('config') as string | undefined) ?? env[ENV_CONFIG];
  let file: ConfigTree | undefined;
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(`${path}: ${(e as Error).message}`);
    }
    file = parseConfigText(text, path);
  }
  const cfg = resolveConfig({ file, env, overrides: (flags.get('set') as string[] | undefined) ?? [], flags });
  return { cfg, settings: serverSettings(cfg) };
}

function streamLogger(s: ServerSettings): StreamLogger {
  return new StreamLogger({ level: s.logLevel, format: s.logFormat });
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
  let settings: ServerSettings;
  let init: Value | undefined;
  try {
    settings = loadSettings(f, process.env).settings;
    const i = f.get('init') as string | undefined;
    if (i !== undefined) init = f.get('eval') ? evalValue(i) : i;
  } catch (e) {
    process.stderr.write(`distkv server: bad configuration: ${(e as Error).message}\n`);
    return 2;
  }
  const sink = new SwitchLogger(streamLogger(settings));
  const logs = agentLogTap(sink);
  const logger = logs;
  const log = new SubLogger(logger, 'server-cmd');
  if (settings.paranoia) log.warn('server.paranoia is not implemented: server-to-server updates are not type-checked');
  // a SIGHUP while the node is being built must not kill it (the default action): the reload
  // handler comes with the others below
  const earlyHup = (): void => log.warn('SIGHUP while starting: ignored');
  process.on('SIGHUP', earlyHup);
  let node: DistkvNode;
  try {
    if (!isProfileName(settings.profile)) throw new UsageError(`unknown profile '${settings.profile}' (lan, wan, local)`);
    const keyring = loadKeyring(settings.encrypt, settings.keyringFile);
    node = await DistkvNode.create({
      name,
      logger,
      logs,
      bind: settings.bind,
      bindIsDefault: settings.bindIsDefault,
      ...(settings.advertise ? { advertise: parseHostPort(settings.advertise, settings.bind.port) } : {}),
      join: settings.join,
      ...(keyring ? { keyring } : {}),
      tags: settings.tags,
      profile: settings.profile,
      clientBinds: settings.clientBinds.map((b) => ({ addr: b.addr, ...(b.tls ? { tls: readClientTls(b.tls) } : {}) })),
      ...(settings.peerLogin ? { peerLogin: settings.peerLogin } : {}),
      rpcFlags: settings.rpcFlags,
      root: settings.root,
      ping: settings.ping,
      deletePing: settings.deletePing,
      hostmap: { ...settings.hostmap },
      server: {
        init,
        load: f.get('load') as string[] | undefined,
        authoritative: !!f.get('authoritative'),
        save: f.get('save') as string | undefined,
        incremental: !!f.get('incremental'),
        force: !!f.get('force'),
        qlen: settings.buffer,
        auth: { hardenedPasswords: settings.authHardened },
        ...(settings.dataDir
          ? { dataDir: { dir: settings.dataDir, fsync: settings.fsync, rotateBytes: settings.rotateBytes, keep: settings.keepGenerations } }
          : {}),
      },
    });
  } catch (e) {
    process.off('SIGHUP', earlyHup);
    process.stderr.write(`distkv server: ${(e as Error).message}\n`);
    return e instanceof UsageError || e instanceof ConfigError ? 2 : 1;
  }
  const server = node.server;
  let closeMetrics: (() => Promise<void>) | undefined;
  let closeEtcd: (() => Promise<void>) | undefined;
  // the listening socket (also while waiting) keeps the process alive; after a signal the
  // shutdown ends in process.exit, as python's server exits, whatever handle may linger
  let done!: (code: number) => void;
  const finished = new Promise<number>((r) => (done = r));
  const offSignals = onShutdownSignals({
    interrupt: async () => {
      log.info('shutting down: leaving the cluster', { node: name });
      await closeMetrics?.().catch(() => undefined);
      await closeEtcd?.().catch(() => undefined);
      await node.stop();
    },
    hangup: () => {
      let next: ServerSettings;
      try {
        next = loadSettings(f, process.env).settings;
      } catch (e) {
        log.error('SIGHUP: configuration not reloaded', { error: (e as Error).message });
        return;
      }
      return applyReload({ node, sink, log, makeLogger: streamLogger }, settings, next).then(() => {
        settings = next;
      });
    },
    exit: (code) => {
      done(code);
      process.exit(code);
    },
  });
  process.off('SIGHUP', earlyHup);
  try {
    closeMetrics = await startMetricsOption(settings.metricsAddr, node, logger);
    const state = await node.start();
    closeEtcd = await startEtcdOption(settings.etcdAddr, server.store, server.opts.clock, logger);
    if (state === 'serving') process.stdout.write('Running.\n');
  } catch (e) {
    process.stderr.write(`distkv server: ${(e as Error).message}\n`);
    await closeMetrics?.().catch(() => undefined);
    await node.stop(false);
    offSignals();
    return 1;
  }
  const code = await finished;
  offSignals();
  return code;
}

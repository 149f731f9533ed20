// Python DistKV 0.57.4 servers and client for interop tests; see test/interop/peers.ts and
// ../shared/peers/distkv-py/README.md.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, isExecutable, runOk, spawnPeer, waitForOutput, type PeerProcess } from './process.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The install made by scripts/setup-peers.sh (env DISTKV_PY_DIR overrides). */
export function distkvPyDir(): string {
  return process.env.DISTKV_PY_DIR ?? join(REPO_ROOT, '.peers/distkv-py');
}

/** The Python server and client CLI are installed (they also need serfAvailable() to run a server). */
export function distkvPyAvailable(): boolean {
  return isExecutable(join(distkvPyDir(), 'bin/distkv-py')) && isExecutable(join(distkvPyDir(), 'bin/distkv-py-python'));
}

export interface DistkvPyOptions {
  /** The server's name (unique in the cluster). */
  name: string;
  /** RPC port of the Serf agent it uses (on serfHost, default 127.0.0.1). */
  serfRpcPort: number;
  serfHost?: string;
  /** Client port (it listens on all addresses); default freePort(). */
  clientPort?: number;
  /** `-I <init>`: create a new cluster with this root value. Exactly one server of a new cluster. */
  init?: string;
  /** name -> "host:port" of every peer's client port (how a new server finds a peer to sync from). */
  hostmap?: Record<string, string>;
  /** Faster pings: `server.ping.cycle`/`gap` seconds (defaults 10/2 make a joining server need ~14 s). */
  ping?: { cycle: number; gap: number };
  /** More `-C key=value` settings. */
  extraConfig?: Record<string, string | number>;
  /** 0 (warnings), 1 (-v: info), 2 (-vv: debug); default 1. */
  verbosity?: 0 | 1 | 2;
  /** How long to wait for "Running."; default 30000 with init, 60000 without. */
  readyTimeoutMs?: number;
}

export interface DistkvPyServer extends PeerProcess {
  readonly name: string;
  readonly clientPort: number;
  /** "127.0.0.1:<clientPort>" (a hostmap value). */
  readonly clientAddr: string;
}

export async function startDistkvPy(opts: DistkvPyOptions): Promise<DistkvPyServer> {
  const clientPort = opts.clientPort ?? (await freePort());
  const args: string[] = [];
  const v = opts.verbosity ?? 1;
  if (v > 0) args.push(v === 2 ? '-vv' : '-v');
  const conf: [string, string | number][] = [
    ['server.backend', 'serf'],
    ['server.serf.host', opts.serfHost ?? '127.0.0.1'],
    ['server.serf.port', opts.serfRpcPort],
    ['server.bind_default.port', clientPort],
  ];
  for (const [k, hp] of Object.entries(opts.hostmap ?? {})) conf.push([`hostmap.${k}`, hp]);
  if (opts.ping) conf.push(['server.ping.cycle', opts.ping.cycle], ['server.ping.gap', opts.ping.gap]);
  for (const [k, val] of Object.entries(opts.extraConfig ?? {})) conf.push([k, val]);
  for (const [k, val] of conf) args.push('-C', `${k}=${val}`);
  args.push('server');
  if (opts.init !== undefined) args.push('-I', opts.init);
  args.push(opts.name);
  const p = spawnPeer(join(distkvPyDir(), 'bin/distkv-py'), args, { stopSignal: 'SIGTERM' });
  const timeout = opts.readyTimeoutMs ?? (opts.init !== undefined ? 30_000 : 60_000);
  try {
    // It prints "Running." on stdout once its client port is open.
    await waitForOutput(p, /^Running\.$/m, timeout, `distkv-py server ${opts.name} (client port ${clientPort})`);
  } catch (e) {
    await p.kill();
    throw e;
  }
  return { ...p, name: opts.name, clientPort, clientAddr: `127.0.0.1:${clientPort}` };
}

/** Runs `distkv-py client -h 127.0.0.1 -p <port> <args>`; returns stdout, rejects on failure. */
export function distkvPyClient(port: number, args: string[], timeoutMs = 30_000): Promise<string> {
  return runOk(join(distkvPyDir(), 'bin/distkv-py'), ['client', '-h', '127.0.0.1', '-p', String(port), ...args], { timeoutMs });
}

/**
 * Runs Python code (from stdin) with distkv importable, e.g. the client library; `args` become
 * sys.argv[1:]. Returns stdout; rejects on a non-zero exit.
 */
export function runPyScript(code: string, args: string[] = [], timeoutMs = 30_000): Promise<string> {
  return runOk(join(distkvPyDir(), 'bin/distkv-py-python'), ['-', ...args], { input: code, timeoutMs });
}

/**
 * The Python tracebacks in a server log that point at a real problem. Left out: a refused connect
 * while syncing (`fetch_data` logs it with a traceback and tries the next candidate, e.g. a
 * hostmap entry of a server an earlier test stopped).
 */
export function pyTracebacks(logs: string): string[] {
  const benign = /^(ConnectionRefusedError\b|OSError: All connection attempts failed)/;
  const out: string[] = [];
  for (const block of logs.split(/^(?=Traceback \(most recent call last\):)/m).slice(1)) {
    const lines = block.split('\n');
    const exception = lines.slice(1).find((l) => l !== '' && !/^\s/.test(l)) ?? '';
    if (!benign.test(exception)) out.push(lines.slice(0, 40).join('\n'));
  }
  return out;
}

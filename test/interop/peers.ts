// Real peers for interop tests: HashiCorp Serf agents (/usr/bin/serf) and Python DistKV 0.57.4
// servers, on free loopback ports, with every spawned process killed when the test process ends.
//
//   import { serfAvailable, startSerfAgent, serfMembers, waitFor, ... } from './peers.js';
//
//   // in a describe(): skip loudly when the binary is absent
//   before(function () { if (!serfAvailable()) { console.warn('SKIPPED: no serf binary'); this.skip(); } });
//   after(() => stopAllPeers());                 // optional: everything is also killed at exit
//
//   const a = await startSerfAgent({ node: 'a' });                      // waits for "agent running"
//   const b = await startSerfAgent({ node: 'b', join: [a.bind] });      // waits for "Join completed"
//   await waitFor(async () => (await serfMembers(a.rpcAddr)).filter((m) => m.status === 'alive').length === 2,
//                 10_000, 'both members alive');
//   await serfCli(a.rpcAddr, ['event', 'deploy', 'payload']);           // any `serf <cmd>`; returns stdout
//   await b.stop();                                                     // SIGINT: graceful leave
//   await b.terminate();                                                // SIGTERM: exit without leaving
//   await a.kill();                                                     // SIGKILL: a crash
//
//   // Python DistKV on top of a Serf agent (distkvPyAvailable() first):
//   const d = await startDistkvPy({ name: 'test1', serfRpcPort: a.rpcPort, init: 'hello' });  // waits for "Running."
//   await distkvPyClient(d.clientPort, ['data', 'x.y', 'set', '-v', ':', 'v']);
//   const out = await distkvPyClient(d.clientPort, ['data', 'x.y', 'get']);
//   const r = await runPyScript('import sys; print(sys.argv[1])', ['hi']);  // python with distkv importable
//   // A second server (no init) syncs from a peer found through the hostmap; fast pings make it
//   // ready in ~5 s instead of ~14 s (give every server the same hostmap and ping):
//   //   const hostmap = { test1: `127.0.0.1:${p1}`, test2: `127.0.0.1:${p2}` }, ping = { cycle: 3, gap: 1 };
//   //   startDistkvPy({ name: 'test2', serfRpcPort: b.rpcPort, clientPort: p2, hostmap, ping })
//
//   // etcd 3.4 with the v2 API (etcdAvailable() first), for comparison tests:
//   const e = await startEtcd();                                        // waits for GET /version
//   await etcdctl(e.clientUrl, ['set', '/a', '1'], { v2: true });       // ETCDCTL_API=2
//
// Ports: freePort() gives a port free for TCP (all addresses) and UDP (127.0.0.1), never the same
// one twice in this process. Addresses are "host:port" strings, as Serf's flags spell them.
// Logs: every handle's logs() returns its interleaved stdout+stderr (last 4 MiB); print them
// when a test fails. A process that exits while we wait for it to become ready rejects the start
// with the tail of its logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Processes

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface PeerProcess {
  readonly proc: ChildProcess;
  /** Interleaved stdout+stderr so far (last 4 MiB). */
  logs(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Polite stop (SIGTERM unless the peer says otherwise), then SIGKILL after `graceMs` (default 5000). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, as a crash would; resolves when the process is gone. */
  kill(): Promise<void>;
}

const MAX_LOG = 4 << 20;
const live = new Set<ChildProcess>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const p of live) p.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      for (const p of live) p.kill('SIGKILL');
      process.off(sig, onSignal);
      // Re-raise so the default action (or mocha's own handler) still runs.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

function isRunning(p: ChildProcess): boolean {
  return p.exitCode === null && p.signalCode === null;
}

/**
 * Spawns a tracked process: it is SIGKILLed when this process exits, and by stopAllPeers().
 * `stopSignal` is what stop() sends first.
 */
export function spawnPeer(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; stopSignal?: NodeJS.Signals; cwd?: string } = {}): PeerProcess {
  installExitHooks();
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
  live.add(proc);
  let log = '';
  const append = (b: Buffer): void => {
    log += b.toString();
    if (log.length > MAX_LOG) log = log.slice(log.length - MAX_LOG);
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('error', (e) => {
      append(Buffer.from(`\n[spawn error: ${e.message}]\n`));
      live.delete(proc);
      resolve({ code: null, signal: null });
    });
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  const stopWith = async (sig: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (!isRunning(proc)) return void (await exited);
    proc.kill(sig);
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    proc,
    logs: () => log,
    exited,
    stop: (graceMs = 5000) => stopWith(opts.stopSignal ?? 'SIGTERM', graceMs),
    kill: () => stopWith('SIGKILL', 0),
  };
}

/** SIGKILLs every process spawned through this module that is still running. */
export async function stopAllPeers(): Promise<void> {
  const waits = [...live].map((p) => new Promise<void>((r) => (isRunning(p) ? p.once('exit', () => r()) : r())));
  for (const p of live) p.kill('SIGKILL');
  await Promise.all(waits);
}

/** Runs a command to completion (with a timeout: SIGKILL and reject). `input` goes to stdin. */
export function runCommand(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  installExitHooks();
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    live.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    proc.stdin!.on('error', () => {}); // the command may exit before reading its input
    proc.stdin!.end(opts.input ?? '');
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: no exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    proc.once('error', (e) => {
      clearTimeout(timer);
      live.delete(proc);
      reject(e);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(proc);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** runCommand, rejecting unless the exit code is 0; returns stdout. */
async function runOk(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await runCommand(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

function tail(s: string, lines = 40): string {
  return s.split('\n').slice(-lines).join('\n');
}

/**
 * Resolves when `pattern` appears in the process's output; rejects if it exits first or after
 * `timeoutMs` (the rejection carries the log tail).
 */
export async function waitForOutput(p: PeerProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  let exited = false;
  void p.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(p.logs())) {
    if (exited) throw new Error(`${what}: process exited before ready\n--- log tail:\n${tail(p.logs())}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms\n--- log tail:\n${tail(p.logs())}`);
    await delay(25);
  }
}

// ---------------------------------------------------------------------------------------------
// Ports and waiting

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const handedOut = new Set<number>();

/**
 * A port free for TCP on every address (Python DistKV listens on 0.0.0.0 and [::] whatever it is
 * told) and for UDP on 127.0.0.1 (Serf uses one port for both), not handed out before by this process.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ port: 0, host: '0.0.0.0', exclusive: true }, () => resolve((tcp.address() as { port: number }).port));
    });
    try {
      if (handedOut.has(port)) continue;
      const udp = createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        udp.once('error', () => resolve(false));
        udp.bind(port, '127.0.0.1', () => resolve(true));
      });
      await new Promise<void>((r) => (ok ? udp.close(() => r()) : r()));
      if (!ok) continue;
      handedOut.add(port);
      return port;
    } finally {
      await new Promise<void>((r) => tcp.close(() => r()));
    }
  }
  throw new Error('freePort: no free TCP+UDP port found in 50 attempts');
}

/**
 * Polls `cond` every `intervalMs` until it returns a truthy value (returned) or `timeoutMs`
 * passes (rejects with `what` and the last error `cond` threw, if any).
 */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs: number, what: string, intervalMs = 50): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as Truthy<T>;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      const why = lastErr ? `; last error: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await delay(intervalMs);
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Serf

export const SERF_BIN = process.env.SERF_BIN ?? '/usr/bin/serf';

export function serfAvailable(): boolean {
  return isExecutable(SERF_BIN);
}

export interface SerfAgentOptions {
  node: string;
  /** "host:port" for gossip (TCP+UDP); default 127.0.0.1:<freePort()>. */
  bind?: string;
  /** "host:port" for the RPC (what `serf members` etc. talk to); default 127.0.0.1:<freePort()>. */
  rpcAddr?: string;
  /** Addresses ("host:port") to join at start; start() then waits for "Join completed". */
  join?: string[];
  /** Base64 gossip key (`serf keygen`). */
  encrypt?: string;
  tags?: Record<string, string>;
  profile?: 'lan' | 'wan' | 'local';
  /** Serf's -log-level (default info). */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'err';
  extraArgs?: string[];
  /** How long to wait for the agent to be up (and joined); default 15000. */
  readyTimeoutMs?: number;
}

export interface SerfAgent extends PeerProcess {
  readonly node: string;
  /** "host:port" */
  readonly bind: string;
  readonly bindPort: number;
  /** "host:port" */
  readonly rpcAddr: string;
  readonly rpcPort: number;
  /** SIGINT: the agent leaves the cluster gracefully, then exits. */
  stop(graceMs?: number): Promise<void>;
  /** SIGTERM: shuts down without leaving (the others see it fail). */
  terminate(graceMs?: number): Promise<void>;
}

function portOf(hostPort: string): number {
  const m = /:(\d+)$/.exec(hostPort);
  if (!m) throw new Error(`expected host:port, got '${hostPort}'`);
  return Number(m[1]);
}

export async function startSerfAgent(opts: SerfAgentOptions): Promise<SerfAgent> {
  // With ports of our choosing, a lost race for a port (another test grabbed it) is retried.
  const attempts = opts.bind || opts.rpcAddr ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    const bind = opts.bind ?? `127.0.0.1:${await freePort()}`;
    const rpcAddr = opts.rpcAddr ?? `127.0.0.1:${await freePort()}`;
    const args = ['agent', `-node=${opts.node}`, `-bind=${bind}`, `-rpc-addr=${rpcAddr}`, `-log-level=${opts.logLevel ?? 'info'}`];
    for (const j of opts.join ?? []) args.push(`-join=${j}`);
    if (opts.encrypt) args.push(`-encrypt=${opts.encrypt}`);
    for (const [k, v] of Object.entries(opts.tags ?? {})) args.push(`-tag=${k}=${v}`);
    if (opts.profile) args.push(`-profile=${opts.profile}`);
    args.push(...(opts.extraArgs ?? []));
    const p = spawnPeer(SERF_BIN, args, { stopSignal: 'SIGINT' });
    const what = `serf agent ${opts.node} (bind ${bind}, rpc ${rpcAddr})`;
    try {
      await waitForOutput(p, opts.join?.length ? /Join completed/ : /Serf agent running!/, opts.readyTimeoutMs ?? 15_000, what);
    } catch (e) {
      await p.kill();
      if (attempt < attempts && /address already in use/i.test(p.logs())) continue;
      throw e;
    }
    return {
      ...p,
      node: opts.node,
      bind,
      bindPort: portOf(bind),
      rpcAddr,
      rpcPort: portOf(rpcAddr),
      stop: p.stop,
      terminate: async (graceMs = 5000) => {
        if (!isRunning(p.proc)) return void (await p.exited);
        p.proc.kill('SIGTERM');
        const t = setTimeout(() => p.proc.kill('SIGKILL'), graceMs);
        await p.exited;
        clearTimeout(t);
      },
    };
  }
}

/** Runs `serf <args[0]> -rpc-addr=<rpcAddr> <args[1..]>`; returns stdout, rejects on a non-zero exit. */
export function serfCli(rpcAddr: string, args: string[], timeoutMs = 15_000): Promise<string> {
  const [cmd, ...rest] = args;
  if (!cmd) throw new Error('serfCli: no command');
  return runOk(SERF_BIN, [cmd, `-rpc-addr=${rpcAddr}`, ...rest], { timeoutMs });
}

export interface SerfMember {
  name: string;
  /** "host:port" */
  addr: string;
  port: number;
  /** alive | leaving | left | failed */
  status: string;
  tags: Record<string, string>;
  protocol?: { min: number; max: number; version: number };
}

/** `serf members -format=json`, parsed; extra filter args (e.g. ['-status=alive']) are passed on. */
export async function serfMembers(rpcAddr: string, extraArgs: string[] = []): Promise<SerfMember[]> {
  const out = await serfCli(rpcAddr, ['members', '-format=json', ...extraArgs]);
  const parsed = JSON.parse(out) as { members: SerfMember[] | null };
  return (parsed.members ?? []).map((m) => ({ ...m, tags: m.tags ?? {} }));
}

// ---------------------------------------------------------------------------------------------
// Python DistKV 0.57.4 (see ../shared/peers/distkv-py/README.md)

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

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

// ---------------------------------------------------------------------------------------------
// etcd 3.4 (Debian's etcd-server / etcd-client), single member, v2 API enabled

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';
export const ETCDCTL_BIN = process.env.ETCDCTL_BIN ?? '/usr/bin/etcdctl';

export function etcdAvailable(): boolean {
  return isExecutable(ETCD_BIN) && isExecutable(ETCDCTL_BIN);
}

export interface EtcdOptions {
  name?: string;
  clientPort?: number;
  peerPort?: number;
  /** Enable the v2 HTTP API (/v2/keys); default true. */
  v2?: boolean;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

export interface EtcdServer extends PeerProcess {
  readonly clientPort: number;
  /** "http://127.0.0.1:<clientPort>" */
  readonly clientUrl: string;
  readonly dataDir: string;
}

export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdServer> {
  const name = opts.name ?? 'etcd-test';
  const clientPort = opts.clientPort ?? (await freePort());
  const peerPort = opts.peerPort ?? (await freePort());
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'distkv-etcd-'));
  const args = [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    `--enable-v2=${opts.v2 ?? true}`,
    ...(opts.extraArgs ?? []),
  ];
  const p = spawnPeer(ETCD_BIN, args, { stopSignal: 'SIGTERM' });
  void p.exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  let exited = false;
  void p.exited.then(() => (exited = true));
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error('etcd exited');
        const r = await fetch(`${clientUrl}/version`);
        return r.ok;
      },
      opts.readyTimeoutMs ?? 20_000,
      `etcd on ${clientUrl}`,
      100,
    );
  } catch (e) {
    await p.kill();
    throw new Error(`${(e as Error).message}\n--- log tail:\n${tail(p.logs())}`);
  }
  return { ...p, clientPort, clientUrl, dataDir };
}

/** Runs etcdctl against `clientUrl` (v3 API unless `v2`); returns stdout, rejects on failure. */
export function etcdctl(clientUrl: string, args: string[], opts: { v2?: boolean; timeoutMs?: number } = {}): Promise<string> {
  const env = { ...process.env, ETCDCTL_API: opts.v2 ? '2' : '3' };
  return runCommand(ETCDCTL_BIN, [`--endpoints=${clientUrl}`, ...args], { env, timeoutMs: opts.timeoutMs ?? 15_000 }).then((r) => {
    if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} exited with ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  });
}

// Spawning and cleaning up peer processes, free ports, waiting: the base of test/interop/peers.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants as fsConstants } from 'node:fs';
import { createServer } from 'node:net';

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

export function isRunning(p: ChildProcess): boolean {
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
export async function runOk(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await runCommand(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

export function tail(s: string, lines = 40): string {
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

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `p`'s value, or null if it takes longer than `ms`; the timer is cleared either way, so a
 * finished race leaves nothing that would keep mocha running. */
export async function resolvesWithin<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
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

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// HashiCorp Serf agents (/usr/bin/serf) for interop tests; see test/interop/peers.ts.
import { freePort, isExecutable, isRunning, runOk, spawnPeer, waitForOutput, type PeerProcess } from './process.js';

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

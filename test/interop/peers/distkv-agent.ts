// Our `distkv agent` as a separate process (the CLI via tsx), for tests that mix it with real
// `serf agent`s; see test/interop/peers.ts.
import { freePort, spawnPeer, waitForOutput, type PeerProcess } from './process.js';

export interface DistkvAgent extends PeerProcess {
  readonly node: string;
  /** "host:port" */
  readonly bind: string;
  /** "host:port" of its Serf RPC. */
  readonly rpcAddr: string;
}

export interface DistkvAgentOptions {
  node: string;
  bind?: string;
  rpcAddr?: string;
  /** Further flags (-join, -encrypt, -event-handler, -config-file...). */
  args?: string[];
  /** Wait for this line (default: "Join completed" with a -join flag, else "distkv agent running"). */
  ready?: RegExp;
  readyTimeoutMs?: number;
  /** Run the agent of another checkout (its lib/cli.ts), e.g. to compare before/after a change. */
  cwd?: string;
}

/** Starts `distkv agent -node … -bind … -rpc-addr …` (stop() = SIGINT, a graceful leave). */
export async function startDistkvAgent(o: DistkvAgentOptions): Promise<DistkvAgent> {
  // With ports of our choosing, a lost race for a port (another test grabbed it) is retried.
  const attempts = o.bind || o.rpcAddr ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    const bind = o.bind ?? `127.0.0.1:${await freePort()}`;
    const rpcAddr = o.rpcAddr ?? `127.0.0.1:${await freePort()}`;
    const args = o.args ?? [];
    const p = spawnPeer(process.execPath, ['--import', 'tsx', 'lib/cli.ts', 'agent', `-node=${o.node}`, `-bind=${bind}`, `-rpc-addr=${rpcAddr}`, ...args], { stopSignal: 'SIGINT', ...(o.cwd ? { cwd: o.cwd } : {}) });
    const ready = o.ready ?? (args.some((a) => /^--?join[= ]?/.test(a)) ? /Join completed/ : /distkv agent running/);
    try {
      await waitForOutput(p, ready, o.readyTimeoutMs ?? 30_000, `distkv agent ${o.node}`);
    } catch (e) {
      await p.kill();
      if (attempt < attempts && /address already in use/i.test(p.logs())) continue;
      throw e;
    }
    return Object.assign(p, { node: o.node, bind, rpcAddr });
  }
}

// Protocols `distkv sim --protocol <name>` can run. Each entry loads lazily, so adding one (e.g.
// memberlist) is one line here plus a module exporting a SimProtocol.
import type { Action, Step } from './scenario.js';
import type { NodeFactory, SimNode, Simulation } from './simulation.js';

export interface ProtocolOptions {
  nodes: number;
  durationMs: number;
  /** Free-form `--param key=value` pairs from the command line. */
  params: Record<string, string>;
  /** The master seed (`--seed`). */
  seed?: string;
  /** The simulation the nodes run in (for protocols whose nodes reach each other in-process). */
  sim?: Simulation<any>;
}

/** `--writes --partitions --crashes --big-values`: a workload the protocol generates. */
export interface WorkloadFlags {
  writes: number;
  partitions: number;
  crashes: number;
  bigValues: boolean;
}

/** How a run ended, for protocols that judge it: the last output line and the exit status. */
export interface RunVerdict {
  line: string;
  ok: boolean;
  figures: Record<string, unknown>;
}

export interface SimProtocol<N extends SimNode = SimNode> {
  name: string;
  describe: string;
  /** The factory every simulated node is built with. */
  factory(opts: ProtocolOptions): NodeFactory<N>;
  /** Custom scenario actions this protocol understands ({op: 'action', name}). */
  actions?: Record<string, Action<N>>;
  /** JSON-able figures about the protocol's outcome, printed after the network's. */
  summary(sim: Simulation<N>): Record<string, unknown>;
  /** Scenario steps for a generated workload; absent = the protocol takes no workload flags. */
  workload?(opts: ProtocolOptions, nodes: readonly string[], w: WorkloadFlags): Step[];
  /** After the scenario's duration: heal, a quiet period, and the verdict (last line, exit code). */
  finish?(sim: Simulation<N>, opts: ProtocolOptions): Promise<RunVerdict>;
}

export const PROTOCOLS: Record<string, { describe: string; load(): Promise<SimProtocol<any>> }> = {
  flood: {
    describe: 'flooding + anti-entropy sync (the simulator\'s own test protocol)',
    load: async () => (await import('./flood-protocol.js')).floodProtocol,
  },
  memberlist: {
    describe: 'SWIM + Lifeguard membership (gossip/memberlist); --param profile=lan|wan|local, lifeguard=on|off',
    load: async () => (await import('../lib/sim/memberlist-protocol.js')).memberlistProtocol,
  },
  replica: {
    describe: 'DistKV servers (store/replica.ts on our Serf), durable change logs; ends with `converged … lost … nodes … keys …`',
    load: async () => (await import('../lib/sim/replica-protocol.js')).replicaProtocol,
  },
};

export async function loadProtocol(name: string): Promise<SimProtocol<any>> {
  const p = PROTOCOLS[name];
  if (!p) throw new Error(`unknown protocol '${name}' (have: ${Object.keys(PROTOCOLS).join(', ')})`);
  return p.load();
}

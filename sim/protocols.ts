// Protocols `distkv sim --protocol <name>` can run. Each entry loads lazily, so adding one (e.g.
// memberlist) is one line here plus a module exporting a SimProtocol.
import type { Action } from './scenario.js';
import type { NodeFactory, SimNode, Simulation } from './simulation.js';

export interface ProtocolOptions {
  nodes: number;
  durationMs: number;
  /** Free-form `--param key=value` pairs from the command line. */
  params: Record<string, string>;
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
};

export async function loadProtocol(name: string): Promise<SimProtocol<any>> {
  const p = PROTOCOLS[name];
  if (!p) throw new Error(`unknown protocol '${name}' (have: ${Object.keys(PROTOCOLS).join(', ')})`);
  return p.load();
}

// The flood protocol as a `distkv sim` protocol: its parameters, actions and summary.
import { FloodNode, type FloodOptions } from './flood.js';
import type { ProtocolOptions, SimProtocol } from './protocols.js';
import type { Simulation } from './simulation.js';

function floodOptions(p: ProtocolOptions): Partial<FloodOptions> {
  const o: Partial<FloodOptions> = {};
  const num = (k: string): number | undefined => {
    const v = p.params[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--param ${k}: expected a number >= 0, got '${v}'`);
    return n;
  };
  const known = new Set(['fanout', 'publishEveryMs', 'publishUntilMs', 'syncEveryMs', 'syncTimeoutMs']);
  for (const k of Object.keys(p.params)) if (!known.has(k)) throw new Error(`flood: unknown --param ${k} (have: ${[...known].join(', ')})`);
  for (const k of known) {
    const n = num(k);
    if (n !== undefined) (o as Record<string, number>)[k] = n;
  }
  return o;
}

/** Ids known by any live node, coverage of them across live nodes. */
export function floodCoverage(sim: Simulation<FloodNode>): { published: number; known: number; minHeld: number; complete: boolean } {
  const live = sim.upNames().map((n) => sim.node(n)).filter((n): n is FloodNode => n !== undefined);
  const all = new Set<number>();
  let published = 0;
  for (const n of live) {
    published += n.published.length;
    for (const id of n.known) all.add(id);
  }
  let minHeld = all.size;
  for (const n of live) minHeld = Math.min(minHeld, n.known.size);
  return { published, known: all.size, minHeld, complete: live.every((n) => n.known.size === all.size) };
}

export const floodProtocol: SimProtocol<FloodNode> = {
  name: 'flood',
  describe: 'flooding + anti-entropy sync',
  factory(p) {
    const o = floodOptions(p);
    return (rt) => new FloodNode(rt, o);
  },
  actions: {
    publish(sim, step) {
      for (const n of step.nodes ?? sim.upNames()) sim.node(n)?.publish();
    },
  },
  summary(sim) {
    const live = sim.upNames().map((n) => sim.node(n)!).filter(Boolean);
    const c = floodCoverage(sim);
    return {
      messagesPublished: c.published,
      messagesKnown: c.known,
      minHeldByANode: c.minHeld,
      allLiveNodesHoldAll: c.complete,
      syncs: live.reduce((a, n) => a + n.syncsDone, 0),
      syncsFailed: live.reduce((a, n) => a + n.syncsFailed, 0),
    };
  },
};

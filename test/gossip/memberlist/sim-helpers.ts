// Builds memberlist nodes inside SIM's simulator for the engine tests.
import { Memberlist } from '../../../gossip/memberlist/memberlist.js';
import { lanConfig, type MemberlistConfig } from '../../../gossip/memberlist/config.js';
import type { Delegates } from '../../../gossip/memberlist/delegate.js';
import type { Keyring } from '../../../gossip/memberlist/keyring.js';
import { NodeStateType, type MemberNode } from '../../../gossip/memberlist/node.js';
import { Simulation, type SimNode, type SimRuntime } from '../../../sim/simulation.js';

export class MLNode implements SimNode {
  constructor(readonly ml: Memberlist) {}
  async stop(): Promise<void> {
    await this.ml.shutdown();
  }
}

export interface ClusterOptions {
  seed: string | number;
  n: number;
  config?: (name: string) => MemberlistConfig;
  tweak?: (cfg: MemberlistConfig) => void;
  delegates?: (name: string) => Delegates;
  keyring?: (name: string) => Keyring | undefined;
  loss?: number;
  /** Gap between starting consecutive nodes. */
  staggerMs?: number;
}

export function nodeName(i: number): string {
  return `n${String(i).padStart(3, '0')}`;
}

export function mlFactory(opts: Omit<ClusterOptions, 'n' | 'seed'>, seedName?: string) {
  return (rt: SimRuntime): MLNode => {
    const cfg = (opts.config ?? lanConfig)(rt.name);
    opts.tweak?.(cfg);
    const keyring = opts.keyring?.(rt.name);
    const ml = Memberlist.create(rt, {
      config: cfg,
      ...(opts.delegates ? { delegates: opts.delegates(rt.name) } : {}),
      ...(keyring ? { keyring } : {}),
    });
    if (seedName && seedName !== rt.name) void ml.join([`${rt.addrOf(seedName).host}:${rt.addrOf(seedName).port}`]);
    return new MLNode(ml);
  };
}

/** Starts n nodes; each joins the first. */
export async function startCluster(opts: ClusterOptions): Promise<Simulation<MLNode>> {
  const sim = new Simulation<MLNode>({ seed: opts.seed, link: { loss: opts.loss ?? 0 }, log: { level: 'warn' } });
  const seedName = nodeName(0);
  for (let i = 0; i < opts.n; i++) {
    await sim.addNode(nodeName(i), mlFactory(opts, seedName));
    if (opts.staggerMs) await sim.runFor(opts.staggerMs);
  }
  return sim;
}

/** How `viewer` sees `subject` (undefined: unknown). */
export function stateOf(sim: Simulation<MLNode>, viewer: string, subject: string): NodeStateType | undefined {
  return sim.node(viewer)?.ml.node(subject)?.state;
}

export function aliveNames(node: MLNode): string[] {
  return node.ml
    .members()
    .filter((m: MemberNode) => m.state === NodeStateType.Alive)
    .map((m) => m.name)
    .sort();
}

export function liveNodes(sim: Simulation<MLNode>): MLNode[] {
  return sim
    .upNames()
    .map((n) => sim.node(n))
    .filter((n): n is MLNode => n !== undefined);
}

/** Runs until `cond` holds (checked every `stepMs` of virtual time) or `maxMs` passed. */
export async function runUntil(sim: Simulation<MLNode>, cond: () => boolean, maxMs: number, stepMs = 50): Promise<boolean> {
  const end = sim.now() + maxMs;
  while (sim.now() < end) {
    if (cond()) return true;
    await sim.runFor(Math.min(stepMs, end - sim.now()));
  }
  return cond();
}

// Serf nodes inside the simulator.
import { lanConfig } from '../../../gossip/memberlist/config.js';
import { defaultSerfConfig, type SerfConfig } from '../../../gossip/serf/config.js';
import type { SerfEvent } from '../../../gossip/serf/events.js';
import { Serf } from '../../../gossip/serf/serf.js';
import { Simulation, type SimNode, type SimRuntime } from '../../../sim/simulation.js';

export class SerfNode implements SimNode {
  readonly events: SerfEvent[] = [];
  constructor(readonly serf: Serf) {
    serf.onEvent((e) => this.events.push(e));
  }
  async stop(): Promise<void> {
    await this.serf.shutdown();
  }
  userEvents(): string[] {
    return this.events.filter((e) => e.type === 'user').map((e) => (e.type === 'user' ? `${e.name}:${Buffer.from(e.payload).toString()}` : ''));
  }
  memberEvents(): string[] {
    return this.events.flatMap((e) => (e.type.startsWith('member-') && 'members' in e ? e.members.map((m) => `${e.type}:${m.name}`) : []));
  }
}

export function nodeName(i: number): string {
  return `s${String(i).padStart(3, '0')}`;
}

export interface SerfClusterOptions {
  seed: string | number;
  n: number;
  tweak?: (cfg: SerfConfig) => void;
  loss?: number;
}

export function serfFactory(tweak?: (cfg: SerfConfig) => void, seedName?: string) {
  return (rt: SimRuntime): SerfNode => {
    const cfg = defaultSerfConfig(rt.name, lanConfig(rt.name));
    tweak?.(cfg);
    const serf = Serf.create(rt, { config: cfg });
    const node = new SerfNode(serf);
    if (seedName && seedName !== rt.name) {
      const a = rt.addrOf(seedName);
      void serf.join([`${a.host}:${a.port}`]).catch(() => undefined);
    }
    return node;
  };
}

export async function startSerfCluster(opts: SerfClusterOptions): Promise<Simulation<SerfNode>> {
  const sim = new Simulation<SerfNode>({ seed: opts.seed, link: { loss: opts.loss ?? 0 }, log: { level: 'error' } });
  const seedName = nodeName(0);
  for (let i = 0; i < opts.n; i++) await sim.addNode(nodeName(i), serfFactory(opts.tweak, seedName));
  return sim;
}

export function liveSerfs(sim: Simulation<SerfNode>): SerfNode[] {
  return sim
    .upNames()
    .map((n) => sim.node(n))
    .filter((n): n is SerfNode => n !== undefined);
}

export async function runUntil(sim: Simulation<SerfNode>, cond: () => boolean, maxMs: number, stepMs = 100): Promise<boolean> {
  const end = sim.now() + maxMs;
  while (sim.now() < end) {
    if (cond()) return true;
    await sim.runFor(Math.min(stepMs, end - sim.now()));
  }
  return cond();
}

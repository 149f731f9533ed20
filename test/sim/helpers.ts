// A bare node for simulator tests: records what it receives, exposes its runtime.
import type { Addr } from '../../gossip/runtime.js';
import { Simulation, type SimNode, type SimRuntime, type SimulationOptions } from '../../sim/simulation.js';

export class Probe implements SimNode {
  readonly got: { t: number; from: Addr; data: number[] }[] = [];
  stopped = false;
  constructor(readonly rt: SimRuntime) {
    rt.packets.onPacket((from, bytes) => this.got.push({ t: rt.clock.now(), from, data: [...bytes] }));
  }
  send(to: string, ...data: number[]): void {
    this.rt.packets.sendTo(this.rt.addrOf(to), Uint8Array.from(data));
  }
  stop(): void {
    this.stopped = true;
  }
}

export async function probes(n: number, opts: Partial<SimulationOptions> = {}): Promise<Simulation<Probe>> {
  const sim = new Simulation<Probe>({ seed: 'probes', ...opts });
  for (let i = 1; i <= n; i++) await sim.addNode(`n${i}`, (rt) => new Probe(rt));
  return sim;
}

export function probe(sim: Simulation<Probe>, name: string): Probe {
  const p = sim.node(name);
  if (!p) throw new Error(`${name} is down`);
  return p;
}

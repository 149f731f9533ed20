// How fast a Serf user event reaches every node of a simulated cluster (LAN profile): from
// userEvent() on one random node until the last node delivered it; median and p95 over SEEDS
// seeds, next to Serf's own convergence model (2.15 s to 99.99 % for the LAN profile, the anchor
// memberlist's bench uses too) and to a push-gossip Monte Carlo of Serf's event queue (fanout
// GossipNodes every GossipInterval, each message sent RetransmitMult * ceil(log10(N+1)) times)
// run here in the same process. The cluster starts converged (memberlist preloaded).
// Env: SERF_BENCH_NODES (default 1000), SERF_BENCH_SEEDS (default 20).
import { lanConfig } from '../gossip/memberlist/config.js';
import { retransmitLimit } from '../gossip/memberlist/broadcast.js';
import type { PushNodeState } from '../gossip/memberlist/messages.js';
import { ipToBytes, NodeStateType } from '../gossip/memberlist/node.js';
import { defaultSerfConfig } from '../gossip/serf/config.js';
import { Serf } from '../gossip/serf/serf.js';
import { encodeTags } from '../gossip/serf/tags.js';
import { seededRandom } from '../sim/prng.js';
import { Simulation, type SimNode } from '../sim/simulation.js';

const N = Number(process.env.SERF_BENCH_NODES ?? 1000);
const SEEDS = Number(process.env.SERF_BENCH_SEEDS ?? 20);
const SERF_MODEL_9999 = 2.15;

class Node implements SimNode {
  constructor(readonly serf: Serf) {}
  async stop(): Promise<void> {
    await this.serf.shutdown();
  }
}

const name = (i: number) => `s${String(i).padStart(4, '0')}`;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]!;
}

async function runSeed(seed: number): Promise<{ allMs: number; p99Ms: number; wallMs: number }> {
  const t0 = performance.now();
  const sim = new Simulation<Node>({ seed: `serf-bench-${seed}`, link: { latencyMs: 1, jitterMs: 1 }, log: { level: 'error' } });
  const got = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    await sim.addNode(name(i), (rt) => {
      const serf = Serf.create(rt, { config: defaultSerfConfig(rt.name, lanConfig(rt.name)) });
      serf.onEvent((e) => {
        if (e.type === 'user' && !got.has(rt.name)) got.set(rt.name, sim.now());
      });
      return new Node(serf);
    });
  }
  const nodes = sim.names().map((n) => sim.node(n)!);
  const vsn = nodes[0]!.serf.memberlist.buildVsn();
  // Preload exactly the metadata each node announces (its encoded tags): anything else makes every
  // node refute its preloaded entry at the first push-pull, an alive storm that is not the subject.
  const meta = encodeTags(new Map());
  const all: PushNodeState[] = nodes.map((b) => {
    const addr = sim.addrOf(b.serf.name);
    return { name: b.serf.name, addr: ipToBytes(addr.host)!, port: addr.port, meta, incarnation: 1, state: NodeStateType.Alive, vsn };
  });
  for (const a of nodes) a.serf.memberlist.preload(all.filter((p) => p.name !== a.serf.name));
  await sim.runFor(2_000);
  const origin = name(seededRandom(`pick-${seed}`).int(N));
  const sentAt = sim.now();
  sim.node(origin)!.serf.userEvent('bench', new TextEncoder().encode('payload'), false);
  while (got.size < N && sim.now() - sentAt < 30_000) await sim.runFor(20);
  if (got.size < N) throw new Error(`seed ${seed}: the event reached only ${got.size} of ${N}`);
  const times = [...got.values()].map((t) => t - sentAt);
  for (const n of sim.upNames()) await sim.node(n)!.serf.shutdown();
  return { allMs: Math.max(...times), p99Ms: quantile(times, 0.99), wallMs: performance.now() - t0 };
}

/** Push gossip of one message through Serf's event queue, as a reference model. */
function monteCarlo(seed: number): number {
  const cfg = lanConfig('x');
  const r = seededRandom(`serf-mc-${seed}`);
  const limit = retransmitLimit(cfg.retransmitMult, N);
  const sends = new Int32Array(N).fill(-1);
  const phase = Array.from({ length: N }, () => r.next() * cfg.gossipInterval);
  sends[0] = 0;
  let infected = 1;
  for (let round = 0; round < 1000; round++) {
    const events: [number, number][] = [];
    for (let i = 0; i < N; i++) if (sends[i]! >= 0 && sends[i]! < limit) events.push([round * cfg.gossipInterval + phase[i]!, i]);
    events.sort((a, b) => a[0] - b[0]);
    for (const [t, i] of events) {
      for (let k = 0; k < cfg.gossipNodes && sends[i]! < limit; k++) {
        let j = r.int(N - 1);
        if (j >= i) j++;
        sends[i]!++;
        if (sends[j]! < 0) {
          sends[j] = 0;
          if (++infected === N) return t + 1;
        }
      }
    }
  }
  return Infinity;
}

export async function main(): Promise<void> {
  const runs = [];
  for (let s = 0; s < SEEDS; s++) {
    const run = await runSeed(s);
    runs.push(run);
    console.log(`seed ${String(s).padStart(2)}: all ${(run.allMs / 1000).toFixed(2)} s, 99% ${(run.p99Ms / 1000).toFixed(2)} s (${(run.wallMs / 1000).toFixed(1)} s wall)`);
  }
  const mc = Array.from({ length: Math.max(SEEDS, 50) }, (_, s) => monteCarlo(s) / 1000).filter(Number.isFinite);
  const all = runs.map((r) => r.allMs / 1000);
  const med = quantile(all, 0.5);
  const p95 = quantile(all, 0.95);
  console.log(`serf user event, ${N} nodes, LAN profile, ${SEEDS} seeds: time until the last node delivered it`);
  console.log(
    `  median ${med.toFixed(2)} s  p95 ${p95.toFixed(2)} s   vs Serf model ${SERF_MODEL_9999} s (99.99 %): ${(p95 / SERF_MODEL_9999).toFixed(2)}x; ` +
      `vs in-run Monte Carlo median ${quantile(mc, 0.5).toFixed(2)} s: ${(med / quantile(mc, 0.5)).toFixed(2)}x`,
  );
}

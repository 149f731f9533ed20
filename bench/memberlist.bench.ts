// How fast a membership change spreads through 1000 simulated memberlist nodes (LAN profile):
// an alive change (a node updates its metadata → alive with a new incarnation) and a dead change
// (one node's suspicion of another times out → dead), timed from injection until every node has
// applied it; median and p95 over SEEDS seeds, plus UDP bytes per node per second. References:
// the anchors in bench/README.md, and a push-gossip Monte Carlo (fanout 3 every 200 ms, each node
// forwarding a message retransmitLimit times) run here in the same process.
// Env: ML_BENCH_NODES (default 1000), ML_BENCH_SEEDS (default 20).
import { lanConfig } from '../gossip/memberlist/config.js';
import { retransmitLimit } from '../gossip/memberlist/broadcast.js';
import { Memberlist } from '../gossip/memberlist/memberlist.js';
import type { PushNodeState } from '../gossip/memberlist/messages.js';
import { ipToBytes, NodeStateType } from '../gossip/memberlist/node.js';
import { seededRandom } from '../sim/prng.js';
import { Simulation, type SimNode } from '../sim/simulation.js';

const N = Number(process.env.ML_BENCH_NODES ?? 1000);
const SEEDS = Number(process.env.ML_BENCH_SEEDS ?? 20);
const ANCHORS = { serfModel9999: 2.15, monteCarloMedian: 1.6, monteCarloP95: 1.8 };

class Node implements SimNode {
  constructor(readonly ml: Memberlist) {}
  async stop(): Promise<void> {
    await this.ml.shutdown();
  }
}

function name(i: number): string {
  return `m${String(i).padStart(4, '0')}`;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]!;
}

interface Run {
  aliveMs: number;
  deadMs: number;
  idleBytesPerNodeSec: number;
  busyBytesPerNodeSec: number;
  wallMs: number;
}

async function runSeed(seed: number): Promise<Run> {
  const t0 = performance.now();
  const sim = new Simulation<Node>({ seed: `ml-bench-${seed}`, link: { latencyMs: 1, jitterMs: 1 } });
  const seen = { alive: new Map<string, number>(), dead: new Map<string, number>() };
  let target = '';
  let deadTarget = '';
  let meta = new Uint8Array(0);
  for (let i = 0; i < N; i++) {
    const nm = name(i);
    await sim.addNode(nm, (rt) => {
      const ml = Memberlist.create(rt, {
        config: lanConfig(rt.name),
        delegates: {
          delegate: {
            nodeMeta: () => (rt.name === target ? meta : new Uint8Array(0)),
            notifyMsg: () => {},
            getBroadcasts: () => [],
            localState: () => new Uint8Array(0),
            mergeRemoteState: () => {},
          },
          events: {
            notifyJoin: () => {},
            notifyUpdate: (n) => {
              if (n.name === target && !seen.alive.has(rt.name)) seen.alive.set(rt.name, sim.now());
            },
            notifyLeave: (n) => {
              if (n.name === deadTarget && n.state === NodeStateType.Dead && !seen.dead.has(rt.name)) seen.dead.set(rt.name, sim.now());
            },
          },
        },
      });
      return new Node(ml);
    });
  }
  // Start from a converged cluster: every node already knows every other at incarnation 1 (a
  // 1000-node join storm would dominate the run and is not what is measured here).
  const nodes = sim.names().map((n) => sim.node(n)!);
  const vsn = nodes[0]!.ml.buildVsn();
  const all: PushNodeState[] = nodes.map((b) => {
    const addr = sim.addrOf(b.ml.name);
    return { name: b.ml.name, addr: ipToBytes(addr.host)!, port: addr.port, meta: null, incarnation: 1, state: NodeStateType.Alive, vsn };
  });
  for (const a of nodes) a.ml.preload(all.filter((p) => p.name !== a.ml.name));
  const tBoot = performance.now() - t0;
  const bytes = () => nodes.reduce((s, n) => s + n.ml.net.stats.bytesSent, 0);
  await sim.runFor(2_000);
  const idle0 = bytes();
  await sim.runFor(3_000);
  const idleBytesPerNodeSec = (bytes() - idle0) / N / 3;

  const r = seededRandom(`pick-${seed}`);
  // Alive change: one node re-announces itself with new metadata.
  target = name(r.int(N));
  meta = new TextEncoder().encode('v2');
  const aliveAt = sim.now();
  const busy0 = bytes();
  void sim.node(target)!.ml.updateNode(0);
  while (seen.alive.size < N - 1 && sim.now() - aliveAt < 30_000) await sim.runFor(20);
  const aliveMs = Math.max(...seen.alive.values()) - aliveAt;
  const busyBytesPerNodeSec = (bytes() - busy0) / N / ((sim.now() - aliveAt) / 1000);

  // Dead change: one node's suspicion of another ends (the victim is crashed so it cannot refute).
  deadTarget = name(r.int(N));
  let accuser = name(r.int(N));
  while (accuser === deadTarget) accuser = name(r.int(N));
  sim.crash(deadTarget);
  const acc = sim.node(accuser)!.ml;
  const deadAt = sim.now();
  acc.state.deadNode({ type: 'dead', incarnation: acc.node(deadTarget)!.incarnation, node: deadTarget, from: accuser });
  while (seen.dead.size < N - 1 && sim.now() - deadAt < 30_000) await sim.runFor(20);
  const deadMs = Math.max(...seen.dead.values()) - deadAt;
  if (seen.alive.size < N - 1 || seen.dead.size < N - 1) throw new Error(`seed ${seed}: change did not reach every node`);
  for (const n of sim.upNames()) await sim.node(n)!.ml.shutdown();
  if (process.env.ML_BENCH_DEBUG) console.log(`boot ${tBoot.toFixed(0)} ms`);
  return { aliveMs, deadMs, idleBytesPerNodeSec, busyBytesPerNodeSec, wallMs: performance.now() - t0 };
}

/**
 * Push gossip as memberlist does it, without piggybacking on probes (the reference model): each
 * node gossips every 200 ms at its own phase to 3 random nodes, a message counting one
 * transmission per packet up to retransmitLimit; a node infected mid-round sends at its next tick.
 */
export function monteCarlo(seed: number): number {
  const r = seededRandom(`mc-${seed}`);
  const limit = retransmitLimit(4, N);
  const sends = new Int32Array(N).fill(-1); // -1: not infected; else transmissions so far
  const phase = Array.from({ length: N }, () => r.next() * 200);
  const latency = 1.5;
  // Pending gossip ticks, kept sorted by time (small: at most one per infected node).
  const ticks: [number, number][] = [];
  const schedule = (i: number, after: number) => {
    const k = Math.max(0, Math.ceil((after - phase[i]!) / 200));
    const t = phase[i]! + k * 200;
    let lo = 0;
    let hi = ticks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ticks[mid]![0] <= t) lo = mid + 1;
      else hi = mid;
    }
    ticks.splice(lo, 0, [t, i]);
  };
  sends[0] = 0;
  let infected = 1;
  schedule(0, 0);
  const arrivals: [number, number][] = [];
  while (ticks.length > 0 || arrivals.length > 0) {
    // Next event: a gossip tick or a delivery, whichever is earlier.
    const nextTick = ticks[0]?.[0] ?? Infinity;
    arrivals.sort((a, b) => a[0] - b[0]);
    const nextArrival = arrivals[0]?.[0] ?? Infinity;
    if (nextArrival <= nextTick) {
      const [t, j] = arrivals.shift()!;
      if (sends[j]! < 0) {
        sends[j] = 0;
        if (++infected === N) return t;
        schedule(j, t);
      }
      continue;
    }
    const [t, i] = ticks.shift()!;
    for (let k = 0; k < 3 && sends[i]! < limit; k++) {
      let j = r.int(N - 1);
      if (j >= i) j++;
      sends[i]!++;
      arrivals.push([t + latency, j]);
    }
    if (sends[i]! < limit) schedule(i, t + 1);
  }
  return Infinity;
}

export async function main(): Promise<void> {
  const runs: Run[] = [];
  for (let s = 0; s < SEEDS; s++) {
    const run = await runSeed(s);
    runs.push(run);
    console.log(
      `seed ${String(s).padStart(2)}: alive ${(run.aliveMs / 1000).toFixed(2)} s, dead ${(run.deadMs / 1000).toFixed(2)} s, ` +
        `${run.idleBytesPerNodeSec.toFixed(0)} B/node/s idle, ${run.busyBytesPerNodeSec.toFixed(0)} B/node/s spreading (${(run.wallMs / 1000).toFixed(1)} s wall)`,
    );
  }
  const mc = Array.from({ length: Math.max(SEEDS, 50) }, (_, s) => monteCarlo(s) / 1000).filter(Number.isFinite);
  const a = runs.map((x) => x.aliveMs / 1000);
  const d = runs.map((x) => x.deadMs / 1000);
  const line = (label: string, xs: number[]) => {
    const med = quantile(xs, 0.5);
    const p95 = quantile(xs, 0.95);
    console.log(
      `${label.padEnd(28)} median ${med.toFixed(2)} s  p95 ${p95.toFixed(2)} s   ` +
        `vs anchors MC ${ANCHORS.monteCarloMedian}/${ANCHORS.monteCarloP95} s: ${(med / ANCHORS.monteCarloMedian).toFixed(2)}x / ${(p95 / ANCHORS.monteCarloP95).toFixed(2)}x; ` +
        `vs Serf model ${ANCHORS.serfModel9999} s: ${(p95 / ANCHORS.serfModel9999).toFixed(2)}x; vs in-run MC median: ${(med / quantile(mc, 0.5)).toFixed(2)}x`,
    );
  };
  console.log(`memberlist, ${N} nodes, LAN profile, ${SEEDS} seeds (time until the last of ${N - 1} nodes applied the change)`);
  line('alive change', a);
  line('dead change', d);
  console.log(`in-run Monte Carlo (push only)  median ${quantile(mc, 0.5).toFixed(2)} s  p95 ${quantile(mc, 0.95).toFixed(2)} s`);
  const idle = runs.map((x) => x.idleBytesPerNodeSec);
  const busy = runs.map((x) => x.busyBytesPerNodeSec);
  console.log(`UDP bytes per node per second: idle (probing) median ${quantile(idle, 0.5).toFixed(0)}, while spreading median ${quantile(busy, 0.5).toFixed(0)}`);
}

// How fast the simulator runs a big cluster: 1000 flooding nodes for 60 s of virtual time, with
// the scheduler alone (the same number of no-op events on a heap of the same size) as the
// reference. Target for later issues: the full gossip node, 1000 nodes × 60 s, in ≤ 30 s wall.
import { floodCoverage } from '../sim/flood-protocol.js';
import { FloodNode } from '../sim/flood.js';
import { Scheduler } from '../sim/scheduler.js';
import { nodeNames } from '../sim/scenario.js';
import { Simulation } from '../sim/simulation.js';
import { seededRandom } from '../sim/prng.js';

const NODES = Number(process.env.SIM_BENCH_NODES ?? 1000);
const VIRTUAL_MS = 60_000;

/** `events` no-op timers, `concurrent` of them pending at any time, each re-arming itself. */
function bareLoop(events: number, concurrent: number, async: boolean): Promise<number> | number {
  const s = new Scheduler();
  const r = seededRandom('bare');
  let left = events;
  const tick = (): void => {
    if (--left > 0) s.setTimer(r.next() * 10, tick);
  };
  for (let i = 0; i < concurrent; i++) s.setTimer(r.next() * 10, tick);
  const c0 = process.cpuUsage();
  if (!async) {
    s.runSync(Infinity);
    return cpuMs(c0);
  }
  return s.run(Infinity).then(() => cpuMs(c0));
}

/** CPU ms since `c0`: steadier than wall time on a machine shared with other work. */
function cpuMs(c0: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / 1000;
}

/**
 * The simulator's own cost per datagram: `nodes` relays, each forwarding every datagram it gets
 * to one random peer, until `events` deliveries ran (no protocol work to speak of).
 */
async function relay(events: number, nodes: number): Promise<number> {
  const sim = new Simulation({ seed: 'relay' });
  let left = events;
  for (const n of nodeNames(nodes))
    sim.define(n, (rt) => {
      const peers = rt.peers();
      const hop = (b: Uint8Array): void => rt.packets.sendTo(peers[rt.random.int(peers.length)]!, b);
      rt.packets.onPacket((_from, b) => {
        if (--left > 0) hop(b);
      });
      rt.clock.setTimer(rt.random.next() * 10, () => hop(new Uint8Array(64)));
      return { stop() {} };
    });
  for (const n of sim.names()) await sim.start(n);
  const c0 = process.cpuUsage();
  await sim.run(Infinity);
  return cpuMs(c0);
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

export async function main(): Promise<void> {
  const sim = new Simulation<FloodNode>({ seed: 'bench', link: { latencyMs: 1, jitterMs: 2, loss: 0.01 } });
  // ~600 messages in a minute, each flooded to every node (~3000 datagrams each), and a
  // push-pull sync per node every 30 s on average: roughly memberlist's load at this size.
  const opts = { fanout: 3, publishEveryMs: 100_000, syncEveryMs: 30_000 };
  for (const n of nodeNames(NODES)) sim.define(n, (rt) => new FloodNode(rt, opts));
  for (const n of sim.names()) await sim.start(n);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await sim.run(VIRTUAL_MS);
  const wall = performance.now() - t0;
  const cpu = cpuMs(c0);
  const st = sim.stats();
  const cov = floodCoverage(sim);
  const pendingAvg = Math.max(1, Math.round(st.sent / (VIRTUAL_MS / 5)));
  const bareSync = (await bareLoop(st.events, Math.max(NODES, pendingAvg), false)) as number;
  const bareAsync = await bareLoop(st.events, Math.max(NODES, pendingAvg), true);
  const relayCpu = await relay(st.events, NODES);
  console.log(`flood ${NODES} nodes × ${VIRTUAL_MS / 1000} s virtual: ${fmt(st.events)} events, ${fmt(st.delivered)} datagrams, ${st.streams.opened} streams, ${cov.published} messages (all held by all: ${cov.complete})`);
  console.log(`  wall ${(wall / 1000).toFixed(2)} s (cpu ${(cpu / 1000).toFixed(2)} s), ${fmt(st.events / (wall / 1000))} events/s, virtual/wall ${(VIRTUAL_MS / wall).toFixed(2)}x, ${(cpu * 1e6 / st.events).toFixed(0)} cpu-ns/event`);
  console.log(`  reference: bare scheduler, same ${fmt(st.events)} no-op events (cpu): runSync ${bareSync.toFixed(0)} ms (${(bareSync * 1e6 / st.events).toFixed(0)} ns/event), async run ${bareAsync.toFixed(0)} ms (${(bareAsync * 1e6 / st.events).toFixed(0)} ns/event)`);
  console.log(`  simulator alone (datagram relay, ${NODES} nodes, same event count): ${relayCpu.toFixed(0)} ms cpu (${(relayCpu * 1e6 / st.events).toFixed(0)} ns/event), ${(relayCpu / bareAsync).toFixed(1)}x the bare async loop`);
  console.log(`  ratio (cpu) flood/bare-async ${(cpu / bareAsync).toFixed(1)}x, flood/bare-sync ${(cpu / bareSync).toFixed(1)}x, async-drain overhead ${(bareAsync / bareSync).toFixed(1)}x`);
  console.log(`  trace ${sim.traceHash()}`);
}

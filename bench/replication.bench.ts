// Replication in the simulator with real Replicas on our Serf (lib/sim/replica-node.ts):
//
// 1. write → all: one write on a random one of N nodes (default 1000), virtual time until every
//    other node has applied it; median / p95 over seeds × writes per seed (default 5 × 4: a
//    cluster's start-up is most of the cost), 0 % loss, LAN profile, 1–2 ms links, clusters
//    started converged (memberlist preload) and ready. Goal (issue 11):
//    ≤ 2.0 s median, ≤ 2.5 s p95. Reference in the same run: memberlist's own broadcast of a
//    metadata change (an alive message) through the same simulated cluster.
// 2. heal: 100 nodes holding K keys (default 100 000) are split 50/50, 1 000 writes land on
//    existing keys (half per side), then the partition heals: bytes on the wire from the heal to
//    identical stores (minus the background rate of the same cluster, measured during the split)
//    vs the encoded size of the entries each node was missing; and the time to identical stores.
//    Goal: ≤ 2× + 64 B/node.
//
// Env: REPL_SIM_NODES, REPL_SIM_SEEDS, REPL_SIM_FIRST_SEED (default 1: run seeds in batches), REPL_SIM_WRITES, REPL_HEAL_NODES, REPL_HEAL_KEYS, REPL_HEAL_WRITES,
// REPL_SIM_ONLY=write|heal, REPL_HEAL_PULL=0 (python's way: no pull before asking). The peer
// sessions (sync, fetches, pulls) are real client-protocol sessions over simulated streams, so
// their bytes are on the wire; the meter tells their share.
import { replicaFactory, type ReplicaSimNode } from '../lib/sim/replica-node.js';
import { ticksAgree } from '../lib/sim/replica-check.js';
import { storesConverged } from '../lib/sim/replica-protocol.js';
import { nodeNames } from '../sim/scenario.js';
import { Simulation } from '../sim/simulation.js';
import { decode, encode } from '../store/codec.js';
import { entryToWire } from '../store/entry.js';
import { loadRecords, readFile, snapshotChunks } from '../store/files.js';
import { Store } from '../store/store.js';

const env = (k: string, d: number) => Number(process.env[k] ?? d);

function cpuMs(c0: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / 1000;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/** Client-protocol bytes of the simulated peer sessions (initial syncs, fetches, pulls). */
let sessionBytes = 0;
/** REPL_HEAL_PULL=0: python's way only (no pull before asking), for before/after in one build. */
const pull = process.env.REPL_HEAL_PULL !== '0';

async function preloadedCluster(seed: string, n: number, initial?: (store: Store) => void): Promise<Simulation<ReplicaSimNode>> {
  const sim = new Simulation<ReplicaSimNode>({ seed, link: { latencyMs: 1, jitterMs: 1 }, log: { level: 'error' } });
  // python's default ping cycle (10 s / 2 s); no disk log: nothing crashes here
  const factory = replicaFactory(sim, {
    durable: false,
    ping: { cycle: 10, gap: 2 },
    preloaded: initial ? { initial } : {},
    pull,
    syncMeter: (b) => void (sessionBytes += b),
  });
  for (const name of nodeNames(n)) sim.define(name, factory);
  for (const name of sim.names()) await sim.start(name);
  return sim;
}

/**
 * `items.every(ok)` as a simulator stop condition (checked between every two events): resumes at
 * the first item that failed last time and re-checks them all only when it got to the end. A
 * plain `every` over 1000 nodes per event was a large share of a 1000-node run.
 */
function allOf<T>(items: readonly T[], ok: (x: T, i: number) => boolean): () => boolean {
  let i = 0;
  return () => {
    while (i < items.length && ok(items[i]!, i)) i++;
    if (i < items.length) return false;
    if (items.every(ok)) return true;
    i = 0;
    return false;
  };
}

/**
 * Every server announces itself at start (its ping actor's init, a vers for the few whose came
 * first; memberlist's alive and Serf's join intent): lets that storm drain from the gossip
 * queues, as in a cluster that has been running. Returns the virtual ms it took.
 */
async function drain(sim: Simulation<ReplicaSimNode>): Promise<number> {
  const nodes = sim.names().map((x) => sim.node(x)!);
  const t = sim.now();
  // past the actors' first pings too (cycle + 1.5–2 gaps after start: 13–14 s), which all
  // servers started together send within a second — a running cluster is past them
  await sim.runFor(16_000);
  await sim.runUntil(allOf(nodes, (x) => x.serf.queues.events.numQueued() === 0), 300_000);
  const ms = sim.now() - t;
  await sim.runFor(2_000);
  return ms;
}

/**
 * One cluster (seed), drained; then `writes` timed writes, each on a random node, each followed
 * by memberlist's own broadcast of a metadata change of another random node (the reference):
 * virtual ms until every other node has applied / seen it.
 */
async function writeToAll(seed: number, n: number, writes: number): Promise<{ write: number[]; alive: number[]; drainMs: number; startup: string }> {
  const sim = await preloadedCluster(`write-${seed}`, n);
  const nodes = sim.names().map((x) => sim.node(x)!);
  // the start-up announcements, as the first node receives them (`<topic> <t>` → count)
  const seen = new Map<string, number>();
  const unsee = nodes[0]!.serf.onEvent((e) => {
    if (e.type !== 'user' || !(e.name.endsWith('.ping') || e.name.endsWith('.del'))) return;
    const k = `${e.name.slice(e.name.lastIndexOf('.') + 1)} ${String((decode(e.payload) as { t?: unknown }).t)}`;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  });
  const drainMs = await drain(sim);
  unsee();
  const startup = [...seen].sort().map(([k, v]) => `${k} ${v}`).join(', ');
  const out = { write: [] as number[], alive: [] as number[], drainMs, startup };
  for (let w = 0; w < writes; w++) {
    const writer = nodes[sim.random.int(n)]!;
    let got = 0;
    for (const node of nodes) {
      if (node === writer) continue;
      const off = node.store.onChange((ev) => {
        if (ev.origin === 'remote' && ev.entry.path.length === 1 && ev.entry.path.elements[0] === `bench${w}`) {
          got++;
          off();
        }
      });
    }
    const t0 = sim.now();
    writer.store.setValue([`bench${w}`], seed);
    await sim.runUntil(() => got === n - 1, 60_000);
    out.write.push(got === n - 1 ? sim.now() - t0 : Infinity);
    await sim.runFor(2_000);
    const tagged = nodes[sim.random.int(n)]!;
    const metaOf = (x: ReplicaSimNode) => x.serf.memberlist.node(tagged.serf.name)?.meta.length ?? 0;
    const before = nodes.map(metaOf);
    const t1 = sim.now();
    void tagged.serf.setTags(new Map([['bench', 'x'.repeat(w + 1)]])).catch(() => {});
    const seenAll = allOf(nodes, (x, i) => x === tagged || metaOf(x) !== before[i]);
    const ok = await sim.runUntil(seenAll, 60_000);
    out.alive.push(ok ? sim.now() - t1 : Infinity);
    await sim.runFor(2_000);
  }
  return out;
}

interface HealFigures {
  missingBytes: number;
  wireBytes: number;
  backgroundBytes: number;
  replicaEventBytes: number;
  sessionBytes: number;
  pulled: { pulls: number; sessions: number; records: number; applied: number; byRound: number[] };
  /** Gap repair over the heal: `info {missing}` sent, entries re-sent by broadcast. */
  asked: number;
  resent: number;
  healMs: number;
  converged: boolean;
  loadCpuMs: number;
}

/**
 * Datagrams + streams delivered. The peer sessions run over simulated streams (real client
 * protocol), so they are in `streams.bytes`; `sessionBytes` only tells their share.
 */
function wireBytes(sim: Simulation<ReplicaSimNode>): number {
  const st = sim.stats();
  return st.bytesDelivered + st.streams.bytes;
}

async function heal(n: number, keys: number, writes: number): Promise<HealFigures> {
  // one snapshot of K keys written by n1, loaded into every node as if from its file
  const c0 = process.cpuUsage();
  const origin = new Store('n1');
  origin.markReady();
  for (let i = 0; i < keys; i++) origin.setValue(['k', i], `value-${i}`);
  const { records } = readFile(Buffer.concat([...snapshotChunks(origin)]));
  const sim = await preloadedCluster('heal', n, (store) => void loadRecords(store, records));
  const loadCpuMs = cpuMs(c0);
  await drain(sim);
  const names = sim.names();
  const [a, b] = [names.slice(0, n / 2), names.slice(n / 2)];
  sim.partition([a, b]);
  await sim.runFor(5_000);
  // background: the split cluster's own chatter (probes, actor pings) over 10 quiet seconds
  const bg0 = wireBytes(sim);
  const bgT0 = sim.now();
  await sim.runFor(10_000);
  const bgRate = (wireBytes(sim) - bg0) / (sim.now() - bgT0);
  for (let i = 0; i < writes; i++) {
    const side = i % 2 ? b : a;
    const node = sim.node(side[(i >> 1) % side.length]!)!;
    node.store.setValue(['k', (i * 7919) % keys], `divergent-${i}`);
    await sim.runFor(10);
  }
  await sim.runFor(10_000);
  // what each node lacks: the other side's entries, as one entry record each (entry form)
  let missingBytes = 0;
  const sizeOf = (store: Store, key: number) => encode(entryToWire(store.get(['k', key])!, 2) as never).length;
  const sideWrites = (side: string[], parity: number) => {
    let s = 0;
    for (let i = parity; i < writes; i += 2) s += sizeOf(sim.node(side[0]!)!.store, (i * 7919) % keys);
    return s;
  };
  missingBytes = sideWrites(a, 0) * b.length + sideWrites(b, 1) * a.length;
  const events0 = sim.names().reduce((x, nm) => x + sim.node(nm)!.replica.stats.sent, 0);
  const gap = () => sim.names().reduce((x, nm) => [x[0]! + sim.node(nm)!.replica.gapRepair.stats.requested, x[1]! + sim.node(nm)!.replica.gapRepair.stats.resent], [0, 0]);
  const gap0 = gap();
  const w0 = wireBytes(sim);
  const s0 = sessionBytes;
  const t0 = sim.now();
  sim.heal();
  let done = false;
  const check = sim.every(100, () => {
    const live = sim.names().map((nm) => ({ store: sim.node(nm)!.store, ready: sim.node(nm)!.replica.ready }));
    if (ticksAgree(live)) done = storesConverged(sim);
  });
  await sim.runUntil(() => done, 600_000);
  check.cancel();
  const healMs = sim.now() - t0;
  const wire = wireBytes(sim) - w0;
  const events = sim.names().reduce((x, nm) => x + sim.node(nm)!.replica.stats.sent, 0) - events0;
  const pulled = { pulls: 0, sessions: 0, records: 0, applied: 0, byRound: [0, 0, 0] };
  for (const nm of sim.names()) {
    const st = sim.node(nm)!.replica.puller.stats;
    pulled.pulls += st.pulls;
    pulled.sessions += st.sessions;
    pulled.records += st.records;
    pulled.applied += st.applied;
    st.byRound.forEach((x, i) => (pulled.byRound[i]! += x));
  }
  const gap1 = gap();
  return { asked: gap1[0]! - gap0[0]!, resent: gap1[1]! - gap0[1]!, missingBytes, wireBytes: wire, backgroundBytes: Math.round(bgRate * healMs), replicaEventBytes: events, sessionBytes: sessionBytes - s0, pulled, healMs, converged: done, loadCpuMs };
}

export async function main(): Promise<void> {
  const only = process.env.REPL_SIM_ONLY;
  if (only !== 'heal') {
    const n = env('REPL_SIM_NODES', 1000);
    const seeds = env('REPL_SIM_SEEDS', 5);
    const per = env('REPL_SIM_WRITES', 4);
    const writes: number[] = [];
    const alives: number[] = [];
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const first = env('REPL_SIM_FIRST_SEED', 1);
    for (let s = first; s < first + seeds; s++) {
      const r = await writeToAll(s, n, per);
      writes.push(...r.write);
      alives.push(...r.alive);
      console.log(`  seed ${s}: write → all ${r.write.map((x) => x.toFixed(0)).join(' ')} ms; memberlist alive → all ${r.alive.map((x) => x.toFixed(0)).join(' ')} ms (start-up drained after ${(r.drainMs / 1000).toFixed(1)} s; actor events: ${r.startup})`);
    }
    const [wm, wp, am, ap] = [quantile(writes, 0.5), quantile(writes, 0.95), quantile(alives, 0.5), quantile(alives, 0.95)];
    console.log(`write → all ${n} nodes, ${writes.length} writes (${seeds} seeds × ${per}), 0 % loss: median ${(wm / 1000).toFixed(2)} s, p95 ${(wp / 1000).toFixed(2)} s (goal 2.0 / 2.5 s: ${(wm / 2000).toFixed(2)}x / ${(wp / 2500).toFixed(2)}x)`);
    console.log(`  reference, same clusters: memberlist alive (meta) change → all: median ${(am / 1000).toFixed(2)} s, p95 ${(ap / 1000).toFixed(2)} s; write/alive ${(wm / am).toFixed(2)}x median`);
    console.log(`  took ${((performance.now() - t0) / 1000).toFixed(0)} s wall, ${(cpuMs(c0) / 1000).toFixed(0)} s cpu`);
  }
  if (only !== 'write') {
    const n = env('REPL_HEAL_NODES', 100);
    const keys = env('REPL_HEAL_KEYS', 100_000);
    const writes = env('REPL_HEAL_WRITES', 1000);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const h = await heal(n, keys, writes);
    const net = h.wireBytes - h.backgroundBytes;
    const goal = 2 * h.missingBytes + 64 * n;
    console.log(`heal after a 50/50 split of ${n} nodes, ${keys} keys, ${writes} divergent writes, pull ${pull ? 'on' : 'off (python way)'}: converged ${h.converged} in ${(h.healMs / 1000).toFixed(1)} s virtual`);
    console.log(`  missing entries (encoded, summed over the nodes lacking them) ${h.missingBytes} B; wire ${h.wireBytes} B (background ~${h.backgroundBytes} B, net ${net} B); replica events sent ${h.replicaEventBytes} (info {missing} ${h.asked}, entries re-sent ${h.resent})`);
    console.log(`  peer sessions: ${h.sessionBytes} B of the wire; ${h.pulled.pulls} pulls, ${h.pulled.sessions} sessions (writer for all / writers for their own / another peer: ${h.pulled.byRound.join(' / ')}), ${h.pulled.records} records, ${h.pulled.applied} entries applied`);
    console.log(`  net wire / missing ${(net / h.missingBytes).toFixed(2)}x (goal ≤ 2× + 64 B/node = ${goal} B: ${(net / goal).toFixed(2)}x of it)`);
    console.log(`  took ${((performance.now() - t0) / 1000).toFixed(0)} s wall, ${(cpuMs(c0) / 1000).toFixed(0)} s cpu (loading ${n}×${keys} entries: ${(h.loadCpuMs / 1000).toFixed(0)} s cpu)`);
  }
}

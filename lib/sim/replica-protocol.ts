// DistKV servers as a `distkv sim --protocol replica` protocol: every node is a real Replica
// (replica-node.ts) with a durable change log; a generated workload (replica-workload.ts) or a
// scenario's `write` actions are client writes on live, ready nodes, recorded as acknowledged
// (replica-check.ts). After the scenario every partition heals, loss stops, down nodes restart
// from their disks, and the run continues until the stores agree or the quiet period ends.
// Params: cycle=<s> gap=<s> (server.ping), eventBuffer=<n> (Serf), bigValueBytes=<n> (notices
// above this; default 8192), durable=on|off, quiet=<duration> (default 120s),
// sessions=client-protocol|in-process (peer sessions, replica-node.ts; default client-protocol).
import { toMs } from '../../sim/scenario.js';
import type { ProtocolOptions, RunVerdict, SimProtocol } from '../../sim/protocols.js';
import type { Simulation } from '../../sim/simulation.js';
import type { Value } from '../../store/codec.js';
import { Path, type PathElement } from '../../store/path.js';
import { judge, ticksAgree, verdictLine, WriteLedger, type Verdict } from './replica-check.js';
import { replicaFactory, type ReplicaSimNode, type ReplicaSimOptions } from './replica-node.js';
import { keySpace, workloadSteps, type WriteArgs } from './replica-workload.js';

type Sim = Simulation<ReplicaSimNode>;

interface RunState {
  ledger: WriteLedger;
  /** Writes that found no live, ready node (a client would have had an error). */
  refused: number;
  /** Keys of a generated workload (0: none), for the summary. */
  keys: number;
}

const runs = new WeakMap<Sim, RunState>();

function state(sim: Sim): RunState {
  let s = runs.get(sim);
  if (!s) runs.set(sim, (s = { ledger: new WriteLedger(), refused: 0, keys: 0 }));
  return s;
}

/** The ledger of acknowledged writes of a run (tests and benches read it). */
export function ledgerOf(sim: Sim): WriteLedger {
  return state(sim).ledger;
}

/** Live nodes with their replicas (a node whose factory is still running is left out). */
export function liveNodes(sim: Sim): ReplicaSimNode[] {
  return sim.upNames().flatMap((n) => sim.node(n) ?? []);
}

function live(sim: Sim): { store: ReplicaSimNode['store']; ready: boolean }[] {
  return liveNodes(sim).map((n) => ({ store: n.store, ready: n.replica.ready }));
}

/** The verdict over the live nodes now. */
export function verdictOf(sim: Sim): Verdict {
  return judge(live(sim), state(sim).ledger);
}

/** Identical stores on every live node (cheap tick check first, then a digest of each store). */
export function storesConverged(sim: Sim): boolean {
  const l = live(sim);
  return ticksAgree(l) && judge(l, new WriteLedger()).converged;
}

const KNOWN = new Set(['cycle', 'gap', 'eventBuffer', 'bigValueBytes', 'durable', 'quiet', 'sessions']);

function num(p: ProtocolOptions, k: string): number | undefined {
  const v = p.params[k];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--param ${k}: expected a number > 0, got '${v}'`);
  return n;
}

export function replicaOptions(p: ProtocolOptions): ReplicaSimOptions {
  for (const k of Object.keys(p.params)) if (!KNOWN.has(k)) throw new Error(`replica: unknown --param ${k} (have: ${[...KNOWN].join(', ')})`);
  const o: ReplicaSimOptions = { bigValueBytes: num(p, 'bigValueBytes') ?? 8192 };
  const cycle = num(p, 'cycle');
  const gap = num(p, 'gap');
  if (cycle !== undefined || gap !== undefined) o.ping = { cycle: cycle ?? 3, gap: gap ?? 1 };
  const eb = num(p, 'eventBuffer');
  if (eb !== undefined) o.eventBuffer = eb;
  if (p.params.durable !== undefined) o.durable = !['off', 'false', '0'].includes(p.params.durable);
  const sessions = p.params.sessions;
  if (sessions !== undefined) {
    if (sessions !== 'client-protocol' && sessions !== 'in-process') throw new Error(`--param sessions: client-protocol or in-process, got '${sessions}'`);
    o.syncSessions = sessions;
  }
  return o;
}

/** One client write: on a node named by the step (when live and ready) or a random ready one. */
function write(sim: Sim, nodes: string[] | undefined, args: unknown): void {
  const st = state(sim);
  const a = (args ?? {}) as Partial<WriteArgs> & { path?: unknown; value?: Value };
  const ready = (nodes ?? sim.upNames()).filter((n) => sim.node(n)?.replica.ready);
  if (!ready.length) {
    st.refused++;
    return;
  }
  const node = sim.node(ready[(a.pick ?? 0) % ready.length]!)!;
  const path: PathElement[] = Array.isArray(a.path) ? Path.from(a.path).elements.slice() : ['k', a.key ?? 0];
  const n = st.ledger.writes.length;
  if (a.del) st.ledger.write(node.store, path, undefined);
  else st.ledger.write(node.store, path, a.value ?? (a.big ? `big${n}:`.padEnd(a.big, 'x') : `v${n}`));
}

export const replicaProtocol: SimProtocol<ReplicaSimNode> = {
  name: 'replica',
  describe: 'DistKV servers: Store + Replica on our Serf, durable change logs',
  factory(p) {
    if (!p.sim) throw new Error('replica: the protocol needs the simulation');
    return replicaFactory(p.sim, replicaOptions(p));
  },
  actions: {
    /** args: {key, pick, del?, big?} (generated) or {path: [...], value?, del?} (scenario files). */
    write: (sim, step) => write(sim, step.nodes, step.args),
    delete: (sim, step) => write(sim, step.nodes, { ...((step.args ?? {}) as object), del: true }),
  },
  workload(p, nodes, w) {
    if (p.sim) state(p.sim).keys = keySpace(w.writes);
    return workloadSteps({ seed: p.seed ?? '1', nodes, durationMs: p.durationMs, writes: w.writes, partitions: w.partitions, crashes: w.crashes, bigValues: w.bigValues });
  },
  async finish(sim, p): Promise<RunVerdict> {
    const quietMs = p.params.quiet !== undefined ? toMs(p.params.quiet, '--param quiet') : 120_000;
    sim.heal();
    sim.setLink({ loss: 0, duplicate: 0, reorder: 0 });
    for (const n of sim.names()) sim.resume(n);
    // a crashed node comes back from its disk: its acknowledged writes must not be excused
    for (const n of sim.names()) if (!sim.isUp(n)) await sim.start(n);
    const healedAt = sim.now();
    let converged = false;
    const check = sim.every(1_000, () => void (converged = storesConverged(sim)));
    await sim.runFor(quietMs, { stopWhen: () => converged });
    check.cancel();
    const v = verdictOf(sim);
    return { line: verdictLine(v), ok: v.converged && v.lost === 0, figures: { ...v, healToConvergedMs: v.converged ? sim.now() - healedAt : null } };
  },
  summary(sim) {
    const st = state(sim);
    const nodes = liveNodes(sim);
    const sum = (f: (n: ReplicaSimNode) => number) => nodes.reduce((a, n) => a + f(n), 0);
    return {
      writesAcknowledged: st.ledger.writes.length,
      writesRefused: st.refused,
      ...(st.keys ? { keySpace: st.keys } : {}),
      liveReady: nodes.filter((n) => n.replica.ready).length,
      reloadedFromDisk: nodes.filter((n) => n.reloaded).length,
      eventsSent: sum((n) => n.replica.stats.sent),
      updatesApplied: sum((n) => n.replica.stats.applied),
      resent: sum((n) => n.replica.gapRepair.stats.resent),
      bigNotices: sum((n) => n.replica.stats.notices),
      bigFetched: sum((n) => n.replica.stats.bigFetched),
      badMessages: sum((n) => n.replica.stats.bad),
    };
  },
};

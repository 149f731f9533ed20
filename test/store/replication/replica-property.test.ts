// The replication property (issue 11's acceptance): random writes and deletes (some big), any
// partition grouping with overlapping heals, link loss up to 30 %, crashes with restarts (from
// the node's durable log, or empty), then a heal ⇒ every live node ready with identical stores
// and no acknowledged write lost. Real code throughout: Replica + Serf + memberlist in the
// deterministic simulator (lib/sim/replica-node.ts; durable logs, in-process sync sessions that
// honour partitions), the write ledger and judge of lib/sim/replica-check.ts.
//
// CI: REPLICA_RUNS (default 150) runs of the uniform mix and REPLICA_SPLIT_RUNS (default 50) with
// split episodes, with a fixed seed (REPLICA_SEED, default 42; `random` = a new one). Most runs are small (3 nodes, short phases) to fit the budget; a fifth use 4–5.
// A failure prints fast-check's seed + path and the case as JSON; replay with
//   REPLICA_SEED=<seed> REPLICA_PATH=<path> npx mocha test/store/replication/replica-property.test.ts -g <its title>
// or REPLICA_EXAMPLE='<json>' (one case, no shrinking); REPLICA_LOG=1 prints the nodes' debug logs.
// Its uniform random mix did not find the first divergence (docs/replication.md, difference 14)
// in 900 runs, not even with 4 nodes and 2 keys, where the two-sided property of replica-sim.test.ts
// (partition first, writes on both sides, crash, empty restart at the heal) found it about once
// in 60. Split episodes (splitArb, REPLICA_SPLITS) build that shape on purpose: a two-sided cut
// that holds until memberlist calls the other side dead, writes and deletes of the same two keys
// on both sides, a writer crashing inside the partition, loss, heals now or overlapping the next
// cut. REPLICA_COUNT=n runs n cases without shrinking and prints every failure (find rates).
// Hunting: REPLICA_NODES=4,5,6, REPLICA_STEPS=30 and REPLICA_KEYS=2 (more conflicts) vary the cases; REPLICA_GC=1 puts every
// node in the delete group (REPLICA_GC_WAIT=25 stretches the waits and REPLICA_GC_MS=200000 the
// quiet period after convergence, so tombstones really get purged); REPLICA_STATS=1 prints
// purges, re-sends and virtual time per run. Counterexamples worth keeping go to REGRESSIONS below.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { judge, storeDigest, ticksAgree, WriteLedger } from '../../../lib/sim/replica-check.js';
import { replicaFactory, type ReplicaSimNode } from '../../../lib/sim/replica-node.js';
import { Simulation } from '../../../sim/simulation.js';

type Sim = Simulation<ReplicaSimNode>;

type Step =
  | { k: 'write'; node: number; key: number; del: boolean; big: boolean }
  /** group of node i = groups[i % groups.length]; one partition between every pair of groups */
  | { k: 'cut'; groups: number[] }
  /** heals the (which % open)-th partition still open (negative: from the newest): heals overlap in any order */
  | { k: 'heal'; which: number }
  | { k: 'crash'; node: number }
  /** restarts a crashed node (its disk kept, or wiped when the case says `empty`) */
  | { k: 'up'; node: number }
  | { k: 'loss'; p: number }
  | { k: 'wait'; ms: number };

interface Case {
  seed: number;
  nodes: number;
  /** durable: a restart loads the node's change log; empty: it starts from nothing and syncs */
  restart: 'durable' | 'empty';
  /** sync: one seeded node, the others sync from it; preloaded: all ready at once (cheaper) */
  start?: 'sync' | 'preloaded';
  /** every node in the delete group (fast delete actor): tombstones get purged as we go */
  gc?: boolean;
  steps: Step[];
}

const name = (i: number) => `n${i}`;
const BIG = 6_000; // above bigValueBytes: notice + fetch (gap repair where that fails)

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('write' as const), node: fc.nat(9), key: fc.nat(Number(process.env.REPLICA_KEYS ?? 5) - 1), del: fc.boolean(), big: fc.nat(4).map((x) => x === 0) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cut' as const), groups: fc.array(fc.nat(2), { minLength: 2, maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('heal' as const), which: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('crash' as const), node: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('up' as const), node: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('loss' as const), p: fc.constantFrom(0, 0.05, 0.1, 0.2, 0.3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('wait' as const), ms: fc.constantFrom(1_000, 3_000, 8_000) }) },
);

/**
 * A split with conflicting work on both sides: the shape of every divergence found so far, which
 * the uniform step mix above almost never builds (most of its cuts are one group, its writes land
 * on either side by chance, and a crash rarely hits a writer inside a partition). The cut holds
 * long enough for memberlist to call the other side dead; both sides write and delete the same two
 * keys; then maybe a writer crashes inside the partition (restarted there or at the end), loss,
 * and the heal of this cut, now or left open to overlap the next one.
 */
function splitArb(nodes: number): fc.Arbitrary<Step[]> {
  const side = (a: boolean, g: number[], pick: number) => {
    const members = g.flatMap((x, i) => (x === (a ? 0 : 1) ? [i] : []));
    return members[pick % members.length]!;
  };
  return fc
    .record({
      // at least one node per side: node 0 on side 0, somebody on side 1
      groups: fc.array(fc.nat(1), { minLength: nodes - 1, maxLength: nodes - 1 }).map((g) => [0, ...(g.every((x) => x === 0) ? [1, ...g.slice(1)] : g)]),
      settle: fc.constantFrom(3_000, 8_000),
      ops: fc.array(fc.record({ a: fc.boolean(), pick: fc.nat(4), key: fc.nat(1), del: fc.nat(2).map((x) => x === 0), big: fc.nat(9).map((x) => x === 0) }), { minLength: 2, maxLength: 6 }),
      crash: fc.option(fc.record({ a: fc.boolean(), pick: fc.nat(4), up: fc.constantFrom('inside', 'after', 'end') }), { freq: 2 }),
      loss: fc.constantFrom(0, 0, 0.05, 0.2),
      heal: fc.constantFrom('now', 'now', 'open'),
    })
    .map(({ groups, settle, ops, crash, loss, heal }) => {
      const steps: Step[] = [{ k: 'cut', groups }, { k: 'wait', ms: settle }];
      for (const o of ops) steps.push({ k: 'write', node: side(o.a, groups, o.pick), key: o.key, del: o.del, big: o.big });
      const down = crash ? side(crash.a, groups, crash.pick) : -1;
      if (crash) steps.push({ k: 'crash', node: down });
      if (crash?.up === 'inside') steps.push({ k: 'up', node: down });
      if (loss) steps.push({ k: 'loss', p: loss });
      if (heal === 'now') steps.push({ k: 'heal', which: -1 });
      if (crash?.up === 'after') steps.push({ k: 'up', node: down });
      return steps;
    });
}

// REPLICA_SPLITS=2 mixes split episodes into the main property's cases (2 of 5 parts; at most 8
// parts then, about 1.8× the CPU per run); hunting uses it with REPLICA_COUNT. CI runs the
// uniform mix (REPLICA_RUNS, default 150) plus a property whose cases mix split episodes in
// (REPLICA_SPLIT_RUNS, default 50, at most 6 parts): 200 runs in all.
const SPLIT_WEIGHT = Number(process.env.REPLICA_SPLITS ?? 0);

function caseArbOf(splitWeight: number, maxSteps: number): fc.Arbitrary<Case> {
  return fc
    // REPLICA_NODES=4,5,6 to hunt in bigger clusters (slower)
    .constantFrom(...(process.env.REPLICA_NODES ? process.env.REPLICA_NODES.split(',').map(Number) : [3, 3, 3, 4, 4, 5]))
    .chain((nodes) =>
      fc.record({
        seed: fc.integer({ min: 1, max: 1_000_000 }),
        nodes: fc.constant(nodes),
        restart: fc.constantFrom('durable' as const, 'durable' as const, 'empty' as const),
        start: fc.constantFrom('sync' as const, 'preloaded' as const, 'preloaded' as const),
        gc: process.env.REPLICA_GC ? fc.constant(true) : fc.constant(false),
        steps: fc
          .array(
            splitWeight > 0 ? fc.oneof({ weight: 3, arbitrary: stepArb.map((x) => [x]) }, { weight: splitWeight, arbitrary: splitArb(nodes) }) : stepArb.map((x) => [x]),
            { minLength: 1, maxLength: Number(process.env.REPLICA_STEPS ?? maxSteps) },
          )
          .map((parts) => parts.flat()),
      }),
    );
}

const caseArb = caseArbOf(SPLIT_WEIGHT, SPLIT_WEIGHT > 0 ? 8 : 14);

interface Outcome {
  sim: Sim;
  ledger: WriteLedger;
  converged: boolean;
  lost: number;
  report: string;
}

/** Runs one case to the end (heal, restarts, quiet period); the caller stops the nodes. */
async function runCase(c: Case): Promise<Outcome> {
  const sim: Sim = new Simulation<ReplicaSimNode>({ seed: c.seed, log: process.env.REPLICA_LOG ? { level: 'debug', print: true } : { level: 'error' } });
  const factory = replicaFactory(sim, {
    eventBuffer: 2,
    bigValueBytes: 4_096,
    ...(c.start === 'preloaded' ? { preloaded: {} } : {}),
    ...(c.gc ? { deletePing: { cycle: 6, gap: 2, n_hosts: 3 } } : {}),
  });
  const names = [...Array(c.nodes).keys()].map(name);
  for (const n of names) await sim.addNode(n, factory);
  const ledger = new WriteLedger();
  const ready = () => sim.upNames().every((n) => sim.node(n)?.replica.ready);
  assert.ok(await sim.runUntil(ready, 60_000), 'all ready at the start');
  ledger.write(sim.node(name(0))!.store, ['pre'], 1);
  if (c.gc) sim.node(name(0))!.store.setValue([null, 'actor', 'del'], { nodes: names });
  await sim.runFor(2_000);
  const open: (() => void)[] = [];
  let wiped = false;
  /** Starts a crashed node again: from its disk, or (`empty` cases) wiped — true then. */
  const restart = async (n: string): Promise<boolean> => {
    if (sim.isUp(n)) return false;
    // an empty restart needs somebody with data to sync from eventually
    const wipe = c.restart === 'empty' && sim.upNames().some((m) => sim.node(m)?.replica.ready);
    if (wipe) sim.wipe(n);
    await sim.start(n);
    return wipe;
  };
  for (const s of c.steps) {
    switch (s.k) {
      case 'write': {
        const n = sim.node(name(s.node % c.nodes));
        if (!n?.replica.ready) break; // a client would get an error: nothing acknowledged
        const v = s.big ? `big${ledger.writes.length}:`.padEnd(BIG, 'x') : `v${ledger.writes.length}`;
        ledger.write(n.store, ['p', s.key], s.del ? undefined : v);
        break;
      }
      case 'cut': {
        const groups = new Map<number, string[]>();
        names.forEach((n, i) => {
          const g = s.groups[i % s.groups.length]!;
          groups.set(g, [...(groups.get(g) ?? []), n]);
        });
        if (groups.size > 1) open.push(sim.partition([...groups.values()]));
        break;
      }
      case 'heal':
        if (open.length) open.splice(((s.which % open.length) + open.length) % open.length, 1)[0]!();
        break;
      case 'crash':
        sim.crash(name(s.node % c.nodes));
        break;
      case 'up':
        if (await restart(name(s.node % c.nodes))) wiped = true;
        break;
      case 'loss':
        sim.setLink({ loss: s.p });
        break;
      case 'wait':
        await sim.runFor(c.gc ? Number(process.env.REPLICA_GC_WAIT ?? 5) * s.ms : s.ms); // the delete actor purges only after a few turns
        break;
    }
    await sim.runFor(400);
  }
  // the heal: crashed nodes come back; whatever loss the case set lasts a few more seconds
  // (recovery under loss found the first divergence), then the network is clean
  sim.heal();
  for (const n of names) if (await restart(n)) wiped = true;
  await sim.runFor(6_000);
  sim.setLink({ loss: 0 });
  const live = () => sim.upNames().flatMap((n) => sim.node(n) ?? []).map((x) => ({ store: x.store, ready: x.replica.ready }));
  const same = () => {
    const l = live();
    if (!ticksAgree(l)) return false; // cheap; the digests walk every store
    const d = storeDigest(l[0]!.store);
    return l.every((x) => storeDigest(x.store) === d);
  };
  let converged = same();
  const probe = sim.every(250, () => void (converged ||= same()));
  if (!converged) await sim.runFor(120_000, { stopWhen: () => converged });
  probe.cancel();
  if (converged && c.gc) {
    // the purges that follow must not undo it
    await sim.runFor(Number(process.env.REPLICA_GC_MS ?? 60_000));
    converged = same();
  }
  const v = judge(live(), ledger);
  if (process.env.REPLICA_STATS)
    console.log(`purged ${sim.upNames().reduce((a, n) => a + sim.node(n)!.replica.deleteGc.stats.purged, 0)} resent ${sim.upNames().reduce((a, n) => a + sim.node(n)!.replica.gapRepair.stats.resent, 0)} t ${Math.round(sim.now() / 1000)}s`);
  // an empty restart may legitimately lose what only that node had: then only convergence counts
  const lost = wiped ? 0 : v.lost;
  const report = sim
    .upNames()
    .map((n) => {
      const r = sim.node(n)!.replica;
      const st = r.store.getState({ nodes: true, missing: true, known: true, deleted: true, remote_missing: true });
      return `${n}: ready ${r.ready} ${[...r.store.iterate([])].map(([e]) => `${e.path.toString()}=${String(e.value).slice(0, 12)}@${e.chain ? `${(e.chain[0] as { name: string }).name}/${e.chain[1]}` : ''}`).join(' ')} ${JSON.stringify(st)}`;
    })
    .join('\n');
  return { sim, ledger, converged: converged && v.converged, lost, report };
}

async function check(c: Case): Promise<void> {
  const o = await runCase(c);
  try {
    assert.ok(o.converged && o.lost === 0, `${o.converged ? `lost ${o.lost}` : 'not converged'}; replay: REPLICA_EXAMPLE='${JSON.stringify(c)}'\n${o.report}`);
  } finally {
    for (const n of o.sim.upNames()) await o.sim.stop(n);
  }
}

/** Counterexamples the property found, fixed: replayed exactly. */
const REGRESSIONS: [string, Case][] = [
  [
    // n1, cut off, missed the notice of a 6 kB value; gap repair re-sent it as ~15 `_p0` parts and
    // Serf's small event buffer never let all of them through: it stayed missing (big-values.ts)
    'a big value missed during a partition arrives by a re-sent notice',
    { seed: 1, nodes: 3, restart: 'durable', steps: [{ k: 'cut', groups: [0, 1] }, { k: 'write', node: 0, key: 0, del: false, big: true }] },
  ],
  [
    // n1 wrote a big value, crashed and came back empty: it ignored notices about its own ticks,
    // so it never got its write back (replica.ts onNotice)
    'a server restarted empty fetches its own big write back',
    {
      seed: 1,
      nodes: 3,
      restart: 'empty',
      start: 'sync',
      steps: [
        { k: 'cut', groups: [0, 0, 1] },
        { k: 'write', node: 4, key: 0, del: false, big: true },
        { k: 'crash', node: 4 },
        { k: 'write', node: 0, key: 1, del: false, big: true },
        { k: 'write', node: 0, key: 1, del: false, big: true },
      ],
    },
  ],
  [
    // p:3's chain held both missing ticks (n2/1 over n0/3): each re-send round sent the entry twice,
    // a notice then ~15 parts, and the burst of parts made Serf's small buffer drop the notice as
    // too old at n1, round after round (gap-repair.ts: one re-send per entry and round)
    'a big value overwritten by another writer during a partition reaches the cut-off node',
    {
      seed: 275,
      nodes: 3,
      restart: 'durable',
      start: 'sync',
      steps: [
        { k: 'cut', groups: [0, 1] },
        { k: 'write', node: 0, key: 3, del: false, big: true },
        { k: 'write', node: 8, key: 3, del: false, big: true },
        { k: 'loss', p: 0.05 },
      ],
    },
  ],
  [
    // n0 wrote p:1 (a big value); in a second split n0 deleted it on its side while n1 and n2, on
    // the other, kept it. After the heal a re-send round closed with `info {deleted}` for the
    // tombstones the re-sender still held, every holder purged its p:1 tombstone on receipt
    // (python's report_deleted), and n1, whose copy of the older value had not been beaten yet,
    // kept it for good (seed 42 with REPLICA_SPLITS=2 found it at run 116, at b447601; it no
    // longer failed at 4730d23). Fixed both ways: a re-sender sends a held tombstone as itself
    // (gap-repair.ts), and a receiver purges only on an awaited check_deleted answer (AwaitedPurges)
    'a re-send round\'s `info {deleted}` purges tombstones before an older concurrent write was beaten',
    {
      seed: 1,
      nodes: 4,
      restart: 'durable',
      start: 'sync',
      gc: false,
      steps: [
        { k: 'cut', groups: [0, 1, 1, 1] },
        { k: 'wait', ms: 3000 },
        { k: 'write', node: 2, key: 0, del: true, big: true },
        { k: 'write', node: 0, key: 0, del: true, big: true },
        { k: 'heal', which: -1 },
        { k: 'write', node: 0, key: 1, del: false, big: true },
        { k: 'cut', groups: [0, 1, 1, 0] },
        { k: 'wait', ms: 8000 },
        { k: 'write', node: 0, key: 1, del: true, big: true },
        { k: 'write', node: 1, key: 0, del: true, big: true },
        { k: 'write', node: 0, key: 0, del: true, big: true },
        { k: 'crash', node: 2 },
        { k: 'heal', which: -1 },
        { k: 'up', node: 2 },
        { k: 'write', node: 0, key: 0, del: false, big: true },
      ],
    },
  ],
  [
    // n2 deleted p:1 while n1, cut off, wrote it (older tock); 20–30 % loss. An `info {deleted}`
    // made every holder purge the tombstone before n1's value reached it, so the value won
    // there. Failed with the re-sender fix alone; fixed by keeping tombstones on `deleted`
    // (held-deletions.ts AwaitedPurges). Seed 42, REPLICA_SPLITS=2, REPLICA_COUNT=300: run 142
    'an info {deleted} does not purge a tombstone an older concurrent write must still meet',
    {
      seed: 12,
      nodes: 4,
      restart: 'durable',
      start: 'sync',
      gc: false,
      steps: [
        { k: 'loss', p: 0 },
        { k: 'cut', groups: [1, 2, 2, 0] },
        { k: 'loss', p: 0.3 },
        { k: 'cut', groups: [0, 1, 0, 0] },
        { k: 'wait', ms: 8000 },
        { k: 'write', node: 2, key: 1, del: true, big: false },
        { k: 'write', node: 1, key: 1, del: false, big: false },
        { k: 'loss', p: 0.2 },
        { k: 'heal', which: -1 },
      ],
    },
  ],
];

/**
 * Counterexamples found and not fixed yet: run with REPLICA_OPEN=1 (each fails until its fix
 * lands, then it moves to REGRESSIONS). docs/replication.md "Open" says what each is.
 */
const OPEN: [string, Case][] = [
  [
    // n1 wrote p:0 (its tick 1) with n2 cut off; only n0 got it. n1 crashed and came back empty
    // while n0 was cut off: nobody it could reach knew its tick 1, so it started at tick 0 and
    // its next write (p:1) took tick 1 again. Two writes share (n1, 1): each side holds one and
    // counts the tick present, nobody asks, the stores never agree. sync.ts gives up own ticks
    // that somebody named but nobody answers; here nobody even named it (python does the same)
    'a writer restarted empty while the only holder of its last write is cut off re-uses the tick',
    {
      seed: 3,
      nodes: 3,
      restart: 'empty',
      start: 'preloaded',
      gc: false,
      steps: [
        { k: 'cut', groups: [0, 0, 1] },
        { k: 'wait', ms: 3000 },
        { k: 'write', node: 1, key: 0, del: false, big: false },
        { k: 'wait', ms: 1000 },
        { k: 'crash', node: 1 },
        { k: 'heal', which: -1 },
        { k: 'cut', groups: [0, 1, 1] },
        { k: 'wait', ms: 8000 },
        { k: 'up', node: 1 },
        { k: 'wait', ms: 8000 },
        { k: 'wait', ms: 8000 },
        { k: 'write', node: 1, key: 1, del: false, big: false },
        { k: 'wait', ms: 3000 },
      ],
    },
  ],
];

describe('store/replica property (simulator)', function () {
  this.timeout(300_000);

  for (const [title, c] of REGRESSIONS) it(`regression: ${title}`, () => check(c));
  if (process.env.REPLICA_OPEN) for (const [title, c] of OPEN) it(`open: ${title}`, () => check(c));

  it('writes, deletes, big values, partitions, loss ≤ 30 %, crashes ⇒ identical stores, nothing acknowledged lost', async () => {
    const example = process.env.REPLICA_EXAMPLE;
    const seed = process.env.REPLICA_SEED === 'random' ? Date.now() : Number(process.env.REPLICA_SEED ?? 42);
    if (process.env.REPLICA_COUNT) {
      // hunting: that many cases without shrinking, every failure printed (find rates, not proofs)
      let bad = 0;
      const cases = fc.sample(caseArb, { numRuns: Number(process.env.REPLICA_COUNT), seed });
      for (const [i, c] of cases.entries())
        await check(c).catch((e: Error) => {
          bad++;
          console.log(`FAIL run ${i}: ${e.message.split('\n')[0]}`);
        });
      console.log(`COUNT runs ${cases.length} failed ${bad} (seed ${seed})`);
      return;
    }
    await fc.assert(fc.asyncProperty(caseArb, check), {
      numRuns: Number(process.env.REPLICA_RUNS ?? 150),
      seed,
      ...(process.env.REPLICA_PATH ? { path: process.env.REPLICA_PATH } : {}),
      ...(example ? { examples: [[JSON.parse(example) as Case]], numRuns: 1 } : {}),
    });
  });

  it('with split episodes (conflicting work on both sides of a cut) ⇒ identical stores, nothing lost', async () => {
    if (process.env.REPLICA_COUNT || process.env.REPLICA_EXAMPLE) return; // hunting/replay: the property above
    const seed = process.env.REPLICA_SEED === 'random' ? Date.now() : Number(process.env.REPLICA_SEED ?? 42);
    await fc.assert(fc.asyncProperty(caseArbOf(2, 6), check), {
      numRuns: Number(process.env.REPLICA_SPLIT_RUNS ?? 50),
      seed,
      ...(process.env.REPLICA_PATH ? { path: process.env.REPLICA_PATH } : {}),
    });
  });
});

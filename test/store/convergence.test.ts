// Properties of the replicated model: any multiset of updates from several writers, applied in
// any order with duplicates, converges; deletions never come back (before or after a purge);
// `missing` is exactly the unseen ticks.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { get } from '../../store/chain.js';
import { RangeSet } from '../../store/range-set.js';
import { Store } from '../../store/store.js';
import { P, broadcaster, snapshot } from './model-helpers.js';

const RUNS = { numRuns: Number(process.env.DKM_RUNS ?? 500) };
const PATHS = [P('a'), P('a.b'), P('c')];
const WRITERS = ['w0', 'w1', 'w2'];

const cmd = fc.record({
  w: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('set', 'set', 'del', 'recv', 'recv'),
  path: fc.integer({ min: 0, max: 2 }),
  val: fc.integer({ min: 0, max: 3 }),
  k: fc.nat(),
});
type Cmd = { w: number; kind: string; path: number; val: number; k: number };

interface Msg {
  from: number;
  wire: Record<string, unknown>;
}

/** Runs the writers' script; returns every broadcast update with its origin. */
function runWriters(cmds: Cmd[], nchain = -1): { writers: Store[]; log: Msg[] } {
  const writers = WRITERS.map((n) => {
    const s = new Store(n);
    s.markReady();
    return s;
  });
  const outs = writers.map((s) => broadcaster(s, nchain));
  const log: Msg[] = [];
  const collect = () => outs.forEach((o, i) => o.splice(0).forEach((m) => log.push({ from: i, wire: m as Record<string, unknown> })));
  for (const c of cmds) {
    const s = writers[c.w]!;
    if (c.kind === 'set') s.setValue(PATHS[c.path]!, c.val);
    else if (c.kind === 'del') s.deleteValue(PATHS[c.path]!);
    else if (log.length) {
      const m = log[c.k % log.length]!;
      if (m.from !== c.w) s.applyUpdate(m.wire);
    }
    collect();
  }
  return { writers, log };
}

function order<T>(items: T[], keys: number[]): T[] {
  return items.map((x, i) => [keys[i % Math.max(1, keys.length)]! * 1000 + i, x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
}

function observe(log: Msg[], keys: number[], dup: boolean): Store {
  const s = new Store('obs');
  const msgs = dup ? [...log, ...log] : log;
  for (const m of order(msgs, keys)) s.applyUpdate(m.wire);
  return s;
}

function assertNothingMissing(s: Store): void {
  for (const n of s.nodes()) assert.deepEqual(n.missing().toWire(), [], `${n.name} missing`);
}

/** Python's rule with our tie-break: the highest (tock, head node, head tick) per path wins. */
function oracle(log: Msg[]): Map<string, unknown> {
  const best = new Map<string, Record<string, unknown>>();
  const key = (m: Record<string, unknown>) => [m.tock as number, m.node as string, m.tick as number] as const;
  const gt = (a: ReturnType<typeof key>, b: ReturnType<typeof key>) => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2];
  for (const { wire } of log) {
    const p = String(wire.path);
    const cur = best.get(p);
    if (!cur || gt(key(wire), key(cur))) best.set(p, wire);
  }
  return new Map([...best].map(([p, w]) => [p, 'value' in w ? w.value : undefined]));
}

describe('store/convergence', () => {
  it('any order with duplicates gives identical stores, writers included', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: Number(process.env.DKM_LEN ?? 30) }), fc.array(fc.nat(50), { minLength: 1 }), fc.array(fc.nat(50), { minLength: 1 }), (cmds, k1, k2) => {
        const { writers, log } = runWriters(cmds);
        const a = observe(log, k1, true);
        const b = observe(log, k2, false);
        const snap = snapshot(a);
        assert.deepEqual(snapshot(b), snap);
        assertNothingMissing(a);
        for (const [i, w] of writers.entries()) {
          for (const m of order(log, k2)) if (m.from !== i) w.applyUpdate(m.wire);
          assert.deepEqual(snapshot(w), snap, `writer ${i}`);
        }
        // the winner per path is the highest (tock, node, tick): what python decides too, bar ties
        const want = oracle(log);
        for (const [p, v] of want) {
          const e = a.get(PATHS.find((x) => String(x) === p)!);
          assert.ok(e, p);
          assert.deepEqual(e.hasValue() ? e.value : undefined, v, p);
        }
      }),
      RUNS,
    );
  });

  it('with chains cut to one link (more writers than change.length) values still converge', () => {
    const values = (s: Store) => PATHS.map((p) => {
      const e = s.get(p);
      return e?.chain ? [e.hasValue() ? e.value : '-', e.tock] : null;
    });
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: Number(process.env.DKM_LEN ?? 30) }), fc.array(fc.nat(50), { minLength: 1 }), fc.array(fc.nat(50), { minLength: 1 }), (cmds, k1, k2) => {
        const { writers, log } = runWriters(cmds, 1);
        const want = values(observe(log, k1, true));
        assert.deepEqual(values(observe(log, k2, false)), want);
        for (const [i, w] of writers.entries()) {
          for (const m of order(log, k2)) if (m.from !== i) w.applyUpdate(m.wire);
          assert.deepEqual(values(w), want, `writer ${i}`);
        }
      }),
      RUNS,
    );
  });

  it('no resurrection: stale updates neither before nor after a purge bring a deletion back', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: Number(process.env.DKM_LEN ?? 30) }), fc.array(fc.nat(50), { minLength: 1 }), (cmds, keys) => {
        const { log } = runWriters(cmds);
        const s = observe(log, keys, false);
        const before = snapshot(s);
        for (const m of order(log, keys.slice().reverse())) s.applyUpdate(m.wire);
        assert.deepEqual(snapshot(s), before);
        const tombs = PATHS.filter((p) => s.get(p)?.isTombstone());
        const del = new Map<string, RangeSet>();
        for (const n of s.nodes()) if (!n.deleted.isEmpty) del.set(n.name, n.deleted.copy());
        s.purgeDeleted(del);
        for (const p of tombs) assert.ok(!s.get(p)?.chain, `${p} purged`);
        const purged = snapshot(s);
        for (const m of order(log, keys)) assert.notEqual(s.applyUpdate(m.wire), 'applied');
        assert.deepEqual(snapshot(s), purged);
        for (const p of tombs) assert.ok(!s.get(p)?.hasValue(), `${p} resurrected`);
        assertNothingMissing(s);
      }),
      RUNS,
    );
  });

  it('missing is exactly the ticks no delivered update mentioned', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: Number(process.env.DKM_LEN ?? 30) }), fc.array(fc.boolean(), { minLength: 1 }), (cmds, pick) => {
        const { log } = runWriters(cmds);
        const chosen = log.filter((_, i) => pick[i % pick.length]);
        const s = observe(chosen, [0], false);
        const seen = new Map<string, RangeSet>();
        for (const { wire } of chosen)
          for (let l: unknown = wire; l; l = get(l as Record<string, unknown>, 'prev')) {
            const link = l as { node: string; tick: number };
            if (!seen.has(link.node)) seen.set(link.node, new RangeSet());
            seen.get(link.node)!.add(link.tick);
          }
        for (const [name, ticks] of seen) {
          const n = s.knownNode(name)!;
          assert.equal(n.tick, ticks.max());
          assert.deepEqual(n.missing().toWire(), RangeSet.span(1, ticks.max()! + 1).removeSet(ticks).toWire(), name);
        }
        // once everything arrives, nothing is missing
        for (const m of log) s.applyUpdate(m.wire);
        assertNothingMissing(s);
      }),
      RUNS,
    );
  });
});

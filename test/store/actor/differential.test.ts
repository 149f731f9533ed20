// Differential tests against the real asyncactor 0.22.1 (the Python peer's copy): the history
// rule, the priority rule and the next-ping formula, on the same random inputs and the same
// random draws, must give the same results.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { History } from '../../../store/actor/history.js';
import type { ActorValue } from '../../../store/actor/messages.js';
import { hasPriority } from '../../../store/actor/priority.js';
import { nextPingFactor } from '../../../store/actor/timing.js';
import { distkvPyAvailable, runPyScript } from '../../interop/peers.js';

const PY = `
import sys, json
from asyncactor.actor import Actor
from asyncactor.nodelist import NodeList

def tup(v):
    return tuple(tup(x) for x in v) if isinstance(v, list) else v

class Fake:
    pass

out = []
for case in json.loads(sys.stdin.read() if False else open(sys.argv[1]).read()):
    kind = case["kind"]
    if kind == "history":
        h = NodeList(case["maxlen"], case["init"])
        for n in case["adds"]:
            h += n
        out.append(list(h))
    elif kind == "priority":
        f = Fake()
        vals = {case["a"]: tup(case["va"]), case["b"]: tup(case["vb"])}
        f.get_value = lambda n, vals=vals: vals.get(n)
        out.append(Actor.has_priority(f, case["a"], case["b"]))
    elif kind == "next":
        f = Fake()
        draws = list(case["draws"])
        used = []
        class R:
            @property
            def random(self):
                used.append(1)
                return draws.pop(0)
        f = R()
        f._history = NodeList(case["nodes"], case["history"])
        f._name = case["self"]
        f._values = {n: (1, 1) for n in case["valued"]}
        for n in case["unvalued"]:
            f._values[n] = None
        f._nodes = case["nodes"]
        f._ready = case["ready"]
        f._n_hosts = case["n_hosts"]
        f._force_in = case["force_in"]
        f._count_not_on = case["count"]
        f._skip_check = lambda: False
        f.ping_delay = lambda *a: Actor.ping_delay(f, *a)
        r = Actor._time_to_next_ping(f)
        out.append([r, f._count_not_on, len(used)])
print(json.dumps(out))
`;

async function python(cases: unknown[]): Promise<unknown[]> {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const file = join(mkdtempSync(join(tmpdir(), 'actor-diff-')), 'cases.json');
  writeFileSync(file, JSON.stringify(cases));
  return JSON.parse(await runPyScript(PY, [file], 60_000)) as unknown[];
}

const names = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'test1', 'test2', 'Z');

describe('store/actor: differential against Python asyncactor 0.22.1', function () {
  this.timeout(90_000);
  before(function () {
    if (!distkvPyAvailable()) {
      console.warn('SKIPPED store/actor differential: the Python DistKV peer is not installed (scripts/setup-peers.sh)');
      this.skip();
    }
  });

  it('history, priority and next-ping factor agree on 1500 random cases', async () => {
    const histCases = fc.sample(
      fc.record({
        kind: fc.constant('history'),
        maxlen: fc.integer({ min: -1, max: 6 }),
        init: fc.uniqueArray(names, { maxLength: 6 }),
        adds: fc.array(names, { maxLength: 12 }),
      }),
      { numRuns: 500, seed: 1 },
    );
    const value: fc.Arbitrary<ActorValue> = fc.oneof(fc.constant(null), fc.tuple(fc.nat(5), fc.nat(5)), fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)));
    const prioCases = fc
      .sample(fc.record({ kind: fc.constant('priority'), a: names, b: names, va: value, vb: value }), { numRuns: 600, seed: 2 })
      .filter((c) => c.a !== c.b);
    const nextCases = fc.sample(
      fc
        .record({
          kind: fc.constant('next'),
          nodes: fc.constantFrom(-1, 0, 2, 3, 5),
          history: fc.uniqueArray(names, { maxLength: 6 }),
          self: names,
          ready: fc.boolean(),
          n_hosts: fc.constantFrom(1, 3, 10),
          force_in: fc.constantFrom(0, 0, 1),
          count: fc.nat(12),
          draws: fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 4, maxLength: 4 }),
          valuedMask: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        })
        .map(({ valuedMask, ...c }) => {
          const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'test1', 'test2', 'Z'];
          return { ...c, valued: all.filter((_, i) => valuedMask[i]), unvalued: all.filter((_, i) => !valuedMask[i]).slice(0, 2) };
        }),
      { numRuns: 500, seed: 3 },
    );
    const py = await python([...histCases, ...prioCases, ...nextCases]);
    let i = 0;
    for (const c of histCases) {
      const h = new History(c.maxlen, c.init);
      for (const n of c.adds) h.add(n);
      assert.deepEqual(h.toArray(), py[i++], JSON.stringify(c));
    }
    for (const c of prioCases) assert.equal(hasPriority(c.a, c.va, c.b, c.vb), py[i++], JSON.stringify(c));
    for (const c of nextCases) {
      const draws = [...c.draws];
      const counter = { countNotOn: c.count };
      const known = new Set([...c.valued, ...c.unvalued]);
      const f = nextPingFactor(
        {
          self: c.self,
          history: c.history,
          hasValue: (n) => c.valued.includes(n),
          ready: c.ready,
          nodes: c.nodes,
          knownNodes: known.size,
          n_hosts: c.n_hosts,
          force_in: c.force_in,
        },
        () => draws.shift()!,
        counter,
      );
      const [pf, pcount, pused] = py[i++] as [number, number, number];
      assert.ok(Math.abs(f - pf) < 1e-12, `${JSON.stringify(c)}: ours ${f}, Python ${pf}`);
      assert.equal(counter.countNotOn, pcount, JSON.stringify(c));
      assert.equal(4 - draws.length, pused, `random draws, ${JSON.stringify(c)}`);
    }
  });
});

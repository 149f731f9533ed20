// ACL lookup and path walking (lib/auth/acl.ts): DistKV's own example (acl foo: one=rxnc,
// one.two=rc), pattern precedence, and random trees/queries judged by python DistKV's
// ACLFinder + Entry.follow_acl when the python peer is installed.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { AclError, AclFinder, AclPathMissing, NULL_ACL, aclValueError, followAcl, walkVerdict, type FollowMode } from '../../../lib/auth/acl.js';
import { Store } from '../../../store/store.js';
import { Path, type PathElement } from '../../../store/path.js';
import { distkvPyAvailable, runPyScript } from '../../interop/peers.js';

const here = dirname(fileURLToPath(import.meta.url));
type Item = [PathElement[], string | null];

/** A store holding `items` (null value = node without value); returns its root entry. */
function tree(items: Item[]) {
  const s = new Store('t');
  s.markReady();
  for (const [p, v] of items) {
    if (v !== null) s.setValue(Path.from(p), v);
  }
  // nodes without a value: create them through a child and delete that child's value
  for (const [p, v] of items) {
    if (v === null && !s.get(Path.from(p))) {
      s.setValue(Path.from([...p, '~tmp']), 1);
      s.deleteValue(Path.from([...p, '~tmp']));
    }
  }
  return s.root;
}

function verdict(aclItems: Item[], data: Item[], path: PathElement[], mode: string, create: FollowMode): unknown[] {
  try {
    const { acl } = followAcl(tree(data), path, AclFinder.at(tree(aclItems)), mode, create);
    const r = acl.result();
    return ['ok', r ? r.value : null, acl.allows('r'), acl.allows('e'), acl.allows('x')];
  } catch (e) {
    if (e instanceof AclError) return ['acl', e.mode];
    if (e instanceof AclPathMissing) return ['missing'];
    throw e;
  }
}

describe('auth ACLs', () => {
  const example: Item[] = [
    [['one'], 'rxnc'],
    [['one', 'two'], 'rc'],
  ];

  it("DistKV's example: acl foo = {one: rxnc, one.two: rc}", () => {
    const data: Item[] = [];
    const may = (p: string[], m: string, d: Item[] = data) => verdict(example, d, p, m, 'check')[0] === 'ok';
    assert.equal(may(['one'], 'W'), true, 'create one');
    const afterOne: Item[] = [[['one'], 10]] as unknown as Item[];
    assert.equal(may(['one', 'two'], 'W', afterOne), true, 'create one.two (n at one, c at two)');
    const both: Item[] = [
      [['one'], 10],
      [['one', 'two'], 11],
    ] as unknown as Item[];
    assert.equal(may(['one', 'two', 'three'], 'W', both), false, 'one.two has no n');
    assert.equal(may(['one', 'two'], 'W', both), false, 'overwrite needs w');
    assert.equal(may(['one'], 'W', both), false, 'overwrite one needs w');
    assert.equal(may(['one', 'two'], 'r', both), true);
    // nothing in acl foo matches `foo`: allowed (no matching value = allowed)
    assert.equal(may(['foo'], 'W'), true);
  });

  it('exact before + before #; # spans one or more levels; None matches only literally', () => {
    const acl: Item[] = [
      [['a', 'b'], 'r'],
      [['a', '+'], 'w'],
      [['#'], 'x'],
      [['#', 'z'], 'e'],
    ];
    const res = (p: PathElement[]) => {
      let f = AclFinder.at(tree(acl));
      for (const el of p) f = f.step(el);
      return f.result()?.value ?? null;
    };
    assert.equal(res(['a', 'b']), 'r');
    assert.equal(res(['a', 'c']), 'w');
    assert.equal(res(['q']), 'x');
    assert.equal(res(['q', 'r', 's']), 'x');
    assert.equal(res(['q', 'r', 'z']), 'e');
    assert.equal(res([]), null);
    assert.equal(res(['q', null]), null, 'python drops the # candidates at a None element');
  });

  it('stepping does not change the parent finder; block is inherited by later steps', () => {
    const f = AclFinder.at(tree([[['a'], 'rx']]));
    const g = f.step('a');
    assert.equal(f.result(), null);
    assert.equal(g.result()?.value, 'rx');
    g.block('r');
    assert.equal(g.allows('r'), false);
    assert.equal(g.step('b').allows('r'), false);
    assert.equal(f.step('a').allows('r'), true);
  });

  it('NullACL allows everything but a; walkVerdict follows get_tree', () => {
    assert.equal(NULL_ACL.allows('a'), false);
    assert.equal(NULL_ACL.allows('w'), true);
    NULL_ACL.check('d');
    assert.equal(NULL_ACL.step('x'), NULL_ACL);
    const f = AclFinder.at(tree([[['a'], 're']])).step('a');
    assert.deepEqual(walkVerdict(f), { withValue: true, descend: true });
    assert.equal(f.allows('r'), false, 'no x: r blocked below');
    const g = AclFinder.at(tree([[['a'], 'x']])).step('a');
    assert.deepEqual(walkVerdict(g), { withValue: false, descend: false });
  });

  it('ACL values must be strings; the acl root holds none', () => {
    assert.equal(aclValueError([null, 'acl', 'foo', 'x'], 'rw'), undefined);
    assert.equal(aclValueError([null, 'acl', 'foo'], 5), 'ACL is not a string');
    assert.equal(aclValueError([null, 'acl'], 'r'), "This node can't have data.");
    assert.equal(aclValueError([null, 'auth'], 5), undefined);
  });

  it('random trees and queries: same verdicts as python ACLFinder/follow_acl', async function () {
    if (!distkvPyAvailable()) {
      console.warn('SKIPPED: python DistKV peer not installed (scripts/setup-peers.sh)');
      this.skip();
    }
    const el = fc.constantFrom('a', 'b', 'c');
    const pat = fc.array(fc.constantFrom('a', 'b', '+', '#'), { minLength: 1, maxLength: 4 });
    const modes = fc.subarray([...'arwcdxen']).map((a) => a.join(''));
    const caseArb = fc.record({
      acl: fc.array(fc.tuple(pat, fc.option(modes, { nil: null })), { maxLength: 8 }),
      data: fc.array(fc.tuple(fc.array(el, { minLength: 1, maxLength: 3 }), fc.option(fc.integer(), { nil: null })), { maxLength: 6 }),
      queries: fc.array(
        fc.tuple(fc.array(el, { maxLength: 4 }), fc.constantFrom(...'rwcdxenaW'), fc.constantFrom<FollowMode>('check', 'no')),
        { minLength: 1, maxLength: 12 },
      ),
    });
    const cases = fc.sample(caseArb, { numRuns: 300, seed: 4242 });
    const pyCases = cases.map((c) => ({
      acl: c.acl,
      data: c.data,
      queries: c.queries.map(([p, m, cr]) => [p, m, cr === 'check' ? 'create' : 'no']),
    }));
    const code = readFileSync(join(here, 'acl-judge.py'), 'utf8');
    const py = JSON.parse(await runPyScript(code, [JSON.stringify(pyCases)], 60_000)) as unknown[][][];
    let n = 0;
    cases.forEach((c, i) => {
      c.queries.forEach(([p, m, cr], j) => {
        const ours = verdict(c.acl as Item[], c.data as unknown as Item[], p, m, cr);
        assert.deepEqual(ours, py[i]![j], `case ${i} query ${j}: ${JSON.stringify({ acl: c.acl, data: c.data, p, m, cr })}`);
        n++;
      });
    });
    assert.ok(n > 1000, `compared ${n} queries`);
    const kinds = new Set(py.flat().map((v) => String(v[0])));
    assert.deepEqual([...kinds].sort(), ["acl", "missing", "ok"], "all three outcomes occur");
  });
});

// Per-entry ACL rules of tree walks (lib/client-protocol/acl-walk.ts wired into commands.ts):
// our server + our client, users logged in with lib/auth/client-login.ts. DistKV's example ACL
// `foo` (one = rxnc, one.two = rc) and a second ACL `bar` exercising r/e/x/d below a walk.
// Also check_deleted routed to the ReplicaHook.
import { strict as assert } from 'node:assert';
import { DistkvClient, ServerError } from '../../../lib/client/client.js';
import { login, setAuthType, setUser } from '../../../lib/auth/client-login.js';
import type { ValueObject as Msg } from '../../../store/codec.js';
import { RangeSet } from '../../../store/range-set.js';
import { Path } from '../../../store/path.js';
import { memServer } from './helpers.js';

const P = (s: string): Path => Path.parse(s);

/** path → value, or '-' when sent without value. */
function shown(msgs: Msg[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const m of msgs) o[(m.path as Path).toString()] = 'value' in m ? m.value : '-';
  return o;
}

async function setup() {
  const srv = memServer();
  const st = srv.store;
  for (const [k, v] of [['x', 'hello'], ['one', 1], ['one.two', 2], ['one.two.three', 3], ['one.four', 4], ['one.four.six', 6], ['one.five', 5]] as const)
    st.setValue(P(k), v);
  st.setValue([null, 'acl', 'foo', 'one'], 'rxnc');
  st.setValue([null, 'acl', 'foo', 'one', 'two'], 'rc');
  st.setValue([null, 'acl', 'bar', 'one'], 'rxed');
  st.setValue([null, 'acl', 'bar', 'one', 'two'], 'ce');
  st.setValue([null, 'acl', 'bar', 'one', 'four'], 'rd');
  const admin = await DistkvClient.connect({ stream: srv.connect() });
  for (const name of ['alice', 'limited', 'walker']) await setUser(admin, { method: 'password', name, password: `${name}-pw` });
  st.setValue([null, 'auth', 'password', 'user', 'limited', 'acl'], { key: 'foo' });
  st.setValue([null, 'auth', 'password', 'user', 'walker', 'acl'], { key: 'bar' });
  await setAuthType(admin, 'password');
  admin.close();
  const as = async (name: string): Promise<DistkvClient> => {
    const c = await DistkvClient.connect({ stream: srv.connect() });
    assert.equal(await login(c, { method: 'password', name, password: `${name}-pw` }), true);
    return c;
  };
  return { srv, st, as };
}

async function tree(c: DistkvClient, path: Path): Promise<Record<string, unknown>> {
  const all: Msg[] = [];
  for await (const m of c.getTree(path)) all.push(m);
  return shown(all);
}

/** A reply without the envelope (seq, tock). */
const body = (m: Msg): Record<string, unknown> => {
  const { seq: _s, tock: _t, ...rest } = m as Record<string, unknown>;
  return rest;
};

const errOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return e instanceof ServerError ? e.message : `other: ${String(e)}`;
  }
  return 'no error';
};

describe('client protocol: per-entry ACL rules in tree walks', () => {
  const everything = { ':': 'initial_value', x: 'hello', one: 1, 'one.two': 2, 'one.two.three': 3, 'one.four': 4, 'one.four.six': 6, 'one.five': 5 };
  const fooTree = { ':': 'initial_value', x: 'hello', one: 1 };
  const barTree = { ':': 'initial_value', x: 'hello', one: 1, 'one.two': '-', 'one.two.three': '-', 'one.four': 4, 'one.five': 5 };

  it('get_tree: no ACL sees all; foo stops at one (no e); bar withholds values without r / below no x', async () => {
    const { as } = await setup();
    const [alice, limited, walker] = [await as('alice'), await as('limited'), await as('walker')];
    assert.deepEqual(await tree(alice, P(':')), everything);
    assert.deepEqual(await tree(limited, P(':')), fooTree);
    assert.match(await errOf(tree(limited, P('one'))), /ACLError/, 'the gate: no e at one');
    assert.deepEqual(await tree(walker, P(':')), barTree);
    assert.deepEqual(await tree(walker, P('one')), { one: 1, 'one.two': '-', 'one.two.three': '-', 'one.four': 4, 'one.five': 5 });
    for (const c of [alice, limited, walker]) c.close();
  });

  it('enum: names need e on the child, data needs r on the child and x here', async () => {
    const { as } = await setup();
    const [alice, limited, walker] = [await as('alice'), await as('limited'), await as('walker')];
    assert.deepEqual(await alice.list(P(':')), [null, 'one', 'x']);
    assert.deepEqual(await limited.list(P(':')), [null, 'x'], 'one: no e');
    assert.deepEqual(await limited.list(P(':'), { withData: true }), { one: 1, x: 'hello' });
    assert.match(await errOf(limited.list(P('one'))), /'e'/);
    assert.deepEqual(await walker.list(P('one')), ['five', 'two']);
    assert.deepEqual(await walker.list(P('one'), { withData: true }), { five: 5, four: 4 });
    assert.deepEqual(await walker.list(P('one.two'), { withData: true, empty: true }), { three: null });
    for (const c of [alice, limited, walker]) c.close();
  });

  it('watch: the fetch dump and later changes follow the same rules', async () => {
    const { as, st } = await setup();
    const run = async (c: DistkvClient): Promise<string[]> => {
      const seen: string[] = [];
      const w = c.watch(P(':'), { fetch: true });
      for await (const m of w) {
        if (m.state === 'uptodate') {
          seen.push('uptodate');
          for (const [k, v] of [['one.two', 22], ['one.two.three', 33], ['one.four.six', 66], ['x', 'bye'], ['one', 11]] as const) st.setValue(P(k), v);
          continue;
        }
        seen.push(`${(m.path as Path).toString()}=${'value' in m ? String(m.value) : '-'}`);
        if ((m.path as Path).toString() === 'one' && seen.includes('uptodate')) break;
      }
      return seen;
    };
    const limited = await as('limited');
    assert.deepEqual((await run(limited)).sort(), [':=initial_value', 'one=1', 'x=hello', 'uptodate', 'x=bye', 'one=11'].sort());
    const walker = await as('walker');
    const seen = await run(walker);
    assert.deepEqual(seen.slice(seen.indexOf('uptodate')), ['uptodate', 'one.two=-', 'one.two.three=-', 'x=bye', 'one=11']);
    assert.deepEqual(
      seen.slice(0, seen.indexOf('uptodate')).sort(),
      // the first watch already changed one and x
      [':=initial_value', 'one=11', 'one.five=5', 'one.four=4', 'one.two=-', 'one.two.three=-', 'x=bye'].sort(),
    );
    const alice = await as('alice');
    assert.equal((await run(alice)).filter((s) => s !== 'uptodate').length, 8 + 5);
    for (const c of [alice, limited, walker]) c.close();
  });

  it('delete_tree: skips entries without d, does not descend without e or x', async () => {
    const { as, st } = await setup();
    const walker = await as('walker');
    assert.equal((await walker.deleteTree(P('one'))).changed, 3);
    const left = [...st.iterate(P(':'))].map(([e]) => `${e.path.toString()}=${String(e.value)}`);
    assert.deepEqual(left.sort(), [':=initial_value', 'one.four.six=6', 'one.two=2', 'one.two.three=3', 'x=hello'].sort());
    const limited = await as('limited');
    assert.match(await errOf(limited.deleteTree(P('one'))), /'d'/);
    assert.equal(st.get(P('one.two'))!.value, 2);
    // nchain: the streamed deletions are exactly the allowed ones
    const s2 = await setup();
    const w2 = await s2.as('walker');
    const got: string[] = [];
    for await (const m of w2.stream('delete_tree', { path: P('one'), nchain: 1 })) got.push(`${(m.path as Path).toString()}:${String(m.old_value)}`);
    // raw wire paths, shortened against the start path `one`
    assert.deepEqual(got.sort(), ['::1', 'five:5', 'four:4']);
    const alice = await s2.as('alice');
    // no ACL: the rest goes (one.two, one.two.three, one.four.six)
    assert.equal((await alice.deleteTree(P('one'))).changed, 3);
    assert.deepEqual([...s2.st.iterate(P('one'))], []);
    for (const c of [walker, limited, w2, alice]) c.close();
  });
});

describe('client protocol: check_deleted', () => {
  it('hands the node → RangeSet map to the replica hook and replies with no data', async () => {
    const calls: Map<string, RangeSet>[] = [];
    const srv = memServer({ replica: { checkDeleted: (m) => calls.push(m) } });
    const c = await DistkvClient.connect({ stream: srv.connect() });
    const r = await c.request('check_deleted', { nodes: { a: [1, [3, 6]], b: [] } });
    assert.deepEqual(body(r), {});
    assert.equal(calls.length, 1);
    assert.deepEqual([...calls[0]!.keys()], ['a', 'b']);
    assert.deepEqual(calls[0]!.get('a')!.toWire(), [1, [3, 6]]);
    assert.match(await errOf(c.request('check_deleted', { nodes: { a: [[5, 2]] } })), /ends before it starts/);
    assert.match(await errOf(c.request('check_deleted', { nodes: 3 })), /nodes must be a map/);
    assert.equal(calls.length, 1, 'bad requests reach nothing');
    c.close();
  });

  it('with the real Replica.checkDeleted shape: ticks we hold are not reported', async () => {
    const srv = memServer();
    const c = await DistkvClient.connect({ stream: srv.connect() });
    // no replica hook: accepted and answered empty (python always has a server to send from)
    assert.deepEqual(body(await c.request('check_deleted', { nodes: { test1: [1] } })), {});
    assert.deepEqual(srv.store.checkDeleted(new Map([['test1', RangeSet.of(1)]])).size, 0);
    c.close();
  });
});

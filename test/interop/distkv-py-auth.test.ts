// Auth against the REAL Python DistKV 0.57.4 server: users made with its CLI (password method),
// our client (lib/auth/client-login.ts over lib/client) logs in — DH + SecretBox must match
// byte for byte or the server refuses — refusals carry python's texts, an ACL'd user can do
// exactly what its ACL says, and test_acl answers of our AuthSession on a mirrored store equal
// the python server's.
import { strict as assert } from 'node:assert';
import { DistkvClient } from '../../lib/client/client.js';
import { AuthMethodError, login, setAuthType, setUser, testAcl, type Credentials } from '../../lib/auth/client-login.js';
import { AuthSession } from '../../lib/auth/session.js';
import { AclFinder, NULL_ACL } from '../../lib/auth/acl.js';
import { Request } from '../../lib/client-protocol/msg.js';
import { Store } from '../../store/store.js';
import type { Value, ValueObject } from '../../store/codec.js';
import { Path } from '../../store/path.js';
import {
  distkvPyAvailable,
  distkvPyClient,
  distkvPyDir,
  serfAvailable,
  startDistkvPy,
  startSerfAgent,
  stopAllPeers,
  type DistkvPyServer,
} from './peers.js';
import { errOf } from './err-of.js';

const P = (s: string): Path => Path.parse(s);

describe('interop: auth against the real Python DistKV server', function () {
  this.timeout(120_000);
  let py: DistkvPyServer;
  const conns: DistkvClient[] = [];
  async function as(cred?: Credentials): Promise<DistkvClient> {
    const c = await DistkvClient.connect({ port: py.clientPort });
    conns.push(c);
    if (cred) await login(c, cred);
    return c;
  }

  before(async function () {
    if (!distkvPyAvailable() || !serfAvailable()) {
      console.warn(`SKIPPED: Python DistKV peer (${distkvPyDir()}) or serf not installed (run scripts/setup-peers.sh)`);
      this.skip();
    }
    const serf = await startSerfAgent({ node: 'authpy' });
    py = await startDistkvPy({ name: 'authpy', serfRpcPort: serf.rpcPort, init: 'root' });
    const p = py.clientPort;
    // the ACL example of DistKV's tests, set before auth is switched on
    const c = await as();
    await c.request('set_internal', { path: ['acl', 'foo', 'one'], value: 'rxnc' });
    await c.request('set_internal', { path: ['acl', 'foo', 'one', 'two'], value: 'rc' });
    await c.request('set_internal', { path: ['acl', 'seer', '#'], value: 'arxe' });
    // users: two with the python CLI, one with our client library (DH with the python server)
    await distkvPyClient(p, ['auth', '-m', 'password', 'user', 'add', 'name=alice', 'password=s3cret-pw']);
    await distkvPyClient(p, ['auth', '-m', 'password', 'user', 'add', 'name=limited', 'password=l1mited']);
    await distkvPyClient(p, ['auth', '-m', 'password', 'user', 'param', 'limited', 'acl', 'foo']);
    await setUser(c, { method: 'password', name: 'seer', password: 's33r-pw' });
    await c.request('set_internal', { path: ['auth', 'password', 'user', 'seer', 'acl'], value: { key: 'seer' } });
    await distkvPyClient(p, ['auth', '-m', 'password', 'init']);
  });
  after(() => {
    for (const c of conns) if (!c.closed) c.close();
    return stopAllPeers();
  });

  it('our client logs in (group 14 and the debug group 5) and works', async () => {
    const c = await as();
    assert.deepEqual(c.greeting.auth, ['password']);
    assert.equal(await login(c, { method: 'password', name: 'alice', password: 's3cret-pw' }), true);
    await c.set(P('x'), 42);
    assert.equal((await c.get(P('x'))).value, 42);
    const d = await as({ method: 'password', name: 'alice', password: 's3cret-pw', dhLength: 16 });
    assert.equal((await d.get(P('x'))).value, 42);
    // a user made by our client library (its DH + SecretBox) logs in too
    const s = await as({ method: 'password', name: 'seer', password: 's33r-pw' });
    assert.equal((await s.get(P('x'))).value, 42);
  });

  it('refusals carry python texts; no login = the server drops the connection', async () => {
    assert.equal(
      await errOf(as({ method: 'password', name: 'alice', password: 'wrong-pw' })),
      "AuthFailedError('Password hashes do not match', 'alice')",
    );
    assert.equal(await errOf(as({ method: 'password', name: 'zed', password: 'whatever' })), "KeyError(P('password.user.zed'))");
    await assert.rejects(as({ method: 'root' }), AuthMethodError);
    const c = await as();
    assert.equal(await errOf(c.request('auth', { typ: 'root', ident: '*' })), "RuntimeError('Wrong auth type', 'password')");
    assert.match(await errOf(c.get(P('x'))), /closed/);
  });

  it('an ACL allows exactly what it says (acl foo: one=rxnc, one.two=rc)', async () => {
    const c = await as({ method: 'password', name: 'limited', password: 'l1mited' });
    assert.equal((await c.set(P('one'), 10)).changed, true);
    assert.equal((await c.set(P('one.two'), 11)).changed, true);
    assert.match(await errOf(c.set(P('one.two.three'), 12)), /'rc'>, 'n'\)$/);
    assert.match(await errOf(c.set(P('one.two'), 13)), /'rc'>, 'w'\)$/);
    assert.match(await errOf(c.set(P('one'), 14)), /'rxnc'>, 'w'\)$/);
    assert.equal((await c.get(P('one.two'))).value, 11);
  });

  it('test_acl: our AuthSession on a mirrored store answers as the python server', async () => {
    // mirror of the python server's tree (as the previous tests left it)
    const st = new Store('mirror');
    st.markReady();
    st.setValue([], 'root');
    for (const [p, v] of [
      ['x', 42],
      ['one', 10],
      ['one.two', 11],
    ] as const)
      st.setValue(P(p), v);
    st.setValue([null, 'acl', 'foo', 'one'], 'rxnc');
    st.setValue([null, 'acl', 'foo', 'one', 'two'], 'rc');
    st.setValue([null, 'acl', 'seer', '#'], 'arxe');
    const users: Record<string, [string, string | undefined]> = {
      alice: ['s3cret-pw', undefined],
      limited: ['l1mited', 'foo'],
      seer: ['s33r-pw', 'seer'],
    };
    const admin = new AuthSession(st);
    admin.greeting();
    for (const [name, [, acl]] of Object.entries(users)) {
      st.setValue([null, 'auth', 'password', 'user', name], { password: new Uint8Array(32) });
      if (acl) st.setValue([null, 'auth', 'password', 'user', name, 'acl'], { key: acl });
    }
    st.setValue([null, 'auth'], { current: 'password' });

    const paths = ['x', 'one', 'one.two', 'one.two.three', 'zz', 'one.zz'];
    const queries: [string, string, string | undefined][] = [];
    for (const p of paths) for (const m of ['r', 'w', 'W', 'n', 'a', '']) for (const acl of [undefined, 'foo', 'seer']) queries.push([p, m, acl]);
    let compared = 0;
    let pyBug = 0;
    for (const [name, [pw]] of Object.entries(users)) {
      const c = await as({ method: 'password', name, password: pw });
      const ours = new AuthSession(st);
      // our login needs the DH key; hand the ACL over as the login would
      (ours as unknown as { user: unknown }).user = { method: 'password', ident: name, superRoot: true };
      const acl = users[name]![1];
      ours.acl = acl ? AclFinder.at(st.get([null, 'acl', acl])!) : NULL_ACL;
      for (const [p, m, acl2] of queries) {
        const params: ValueObject = { path: P(p), mode: m };
        if (acl2) params.acl = acl2;
        let theirs: Value;
        try {
          theirs = (await c.request('test_acl', params)).access as Value;
        } catch (e) {
          theirs = `error: ${(e as Error).message}`;
        }
        let mine: Value;
        try {
          mine = ours.testAcl(new Request(params), st.root, P(p).elements).access as Value;
        } catch (e) {
          mine = `error: ${(e as Error).message}`;
        }
        const what = `${name}: test_acl ${p} ${JSON.stringify(m)} acl=${acl2}`;
        if (theirs === "error: 'NoneType' object has no attribute 'data'" && !acl2) {
          // python answers from the user's ACL *root* here (a bug: it reads the unstepped
          // finder), which has no value, so it crashes; we answer the letters at the path
          assert.equal(typeof mine, 'string', what);
          pyBug++;
        } else assert.deepEqual(mine, theirs, what);
        compared++;
      }
    }
    assert.equal(compared, 3 * queries.length);
    assert.ok(pyBug > 0 && pyBug < compared / 4, `python's test_acl bug hit ${pyBug} times`);
    // and our client helper reads the same answers
    const s = await as({ method: 'password', name: 'seer', password: 's33r-pw' });
    assert.equal(await testAcl(s, P('x'), 'r', 'seer'), 'arxe');
  });

  it('switching auth off again (set_auth_typ None) restores anonymous access', async () => {
    const c = await as({ method: 'password', name: 'alice', password: 's3cret-pw' });
    await setAuthType(c, null);
    const d = await as();
    assert.deepEqual(d.greeting.auth, [null, 'password']);
    assert.equal((await d.get(P('x'))).value, 42);
  });
});

// Server-side auth (lib/auth/session.ts) driven by our client-side login (lib/auth/client-login.ts)
// through a direct in-process adapter: users, set_auth_typ rules, login success and python's
// failure texts, ACL assignment at login, test_acl answers, hardened password records.
import { strict as assert } from 'node:assert';
import { Store } from '../../../store/store.js';
import type { Value, ValueObject } from '../../../store/codec.js';
import { Path } from '../../../store/path.js';
import { Request } from '../../../lib/client-protocol/msg.js';
import { AuthSession } from '../../../lib/auth/session.js';
import { AuthReplyError } from '../../../lib/auth/users.js';
import { passwordHash } from '../../../lib/auth/password.js';
import { AuthMethodError, login, setAuthType, setUser, testAcl, type AuthClient } from '../../../lib/auth/client-login.js';

/** One "connection": a session plus the client view of it. */
function connect(store: Store, opts: { hardenedPasswords?: boolean } = {}): AuthClient & { session: AuthSession } {
  const session = new AuthSession(store, opts);
  const auth = session.greeting();
  const greeting: { auth?: Value } = auth ? { auth } : {};
  return {
    session,
    greeting,
    async request(action: string, params: ValueObject = {}): Promise<ValueObject> {
      const req = new Request(params);
      if (session.refuses(action)) throw new Error('connection closed');
      switch (action) {
        case 'diffie_hellman':
          return session.diffieHellman(req);
        case 'auth':
          session.login(req);
          return {};
        case 'auth_set':
          return session.authSet(req) as unknown as ValueObject;
        case 'set_auth_typ':
          return session.setAuthTyp(req) as unknown as ValueObject;
        case 'test_acl':
          return session.testAcl(req, store.root, Path.from(req.get('path') as Value[]).elements);
        default:
          throw new Error(`no ${action} here`);
      }
    },
  };
}

const msgOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('auth session (server side) with our client login', () => {
  function fresh(): Store {
    const s = new Store('s1');
    s.markReady();
    s.setValue(Path.of('x'), 1);
    return s;
  }

  it('without (None,"auth") no login is needed and the user is super-root', async () => {
    const c = connect(fresh());
    assert.equal(c.greeting.auth, undefined);
    assert.deepEqual(c.session.user?.superRoot, true);
    assert.equal(c.session.refuses('get_value'), false);
    assert.equal(await login(c, { method: 'password', name: 'a', password: 'xxxxx' }), false);
  });

  it('password users: add, switch on, log in; python texts for every refusal', async () => {
    const st = fresh();
    const admin = connect(st);
    assert.match(await msgOf(setAuthType(admin, 'password')), /^You didn't configure this method yet:\('password'/);
    const r = (await setUser(admin, { method: 'password', name: 'alice', password: 's3cret-pw' })) as ValueObject;
    assert.equal(r.changed, true);
    assert.equal('prev' in r, false);
    const rec = st.get([null, 'auth', 'password', 'user', 'alice'])!.value as { password: Uint8Array };
    assert.deepEqual(rec, { password: passwordHash('s3cret-pw') }, 'python record: the bare SHA-256');
    // adding an existing user with chain None fails as in python
    assert.match(await msgOf(setUser(admin, { method: 'password', name: 'alice', password: 'other-pw' })), /^Entry already exists/);
    await setAuthType(admin, 'password');
    assert.deepEqual(connect(st).greeting.auth, ['password']);

    const c = connect(st);
    assert.equal(c.session.refuses('get_value'), true);
    assert.equal(c.session.refuses('diffie_hellman'), false);
    assert.equal(await login(c, { method: 'password', name: 'alice', password: 's3cret-pw' }), true);
    assert.equal(c.session.user?.ident, 'alice');
    assert.equal(c.session.refuses('get_value'), false);

    const bad = connect(st);
    assert.equal(await msgOf(login(bad, { method: 'password', name: 'alice', password: 'wrong-pw' })), "AuthFailedError('Password hashes do not match', 'alice')");
    assert.equal(bad.session.user, null);
    assert.equal(await msgOf(login(bad, { method: 'password', name: 'zed', password: 'wrong-pw' })), "KeyError(P('password.user.zed'))");
    assert.equal(await msgOf(bad.request('auth', { typ: 'root', ident: '*' })), "RuntimeError('Wrong auth type', 'password')");
    assert.ok((await msgOf(login(bad, { method: 'root' }))).length > 0);
    await assert.rejects(login(bad, { method: 'root' }), AuthMethodError);
    assert.equal(await msgOf(bad.request('diffie_hellman', { pubkey: new Uint8Array([9]), length: 1024 })), "Can't call dh twice");
    const nodh = connect(st);
    assert.equal(
      await msgOf(nodh.request('auth', { typ: 'password', ident: 'alice', password: new Uint8Array(72) })),
      "RuntimeError('The client has not executed DH key exchange')",
    );
    const malformed = connect(st);
    assert.match(await msgOf(malformed.request('diffie_hellman', { pubkey: new Uint8Array([1]), length: 1024 })), /Legendre/);
  });

  it('a second login only verifies; identity and ACL stay', async () => {
    const st = fresh();
    const admin = connect(st);
    await setUser(admin, { method: 'password', name: 'alice', password: 's3cret-pw' });
    await setUser(admin, { method: 'password', name: 'bob', password: 'b0b-pw' });
    await setAuthType(admin, 'password');
    const c = connect(st);
    await login(c, { method: 'password', name: 'alice', password: 's3cret-pw' });
    await c.request('auth', { typ: 'password', ident: 'bob', password: new Uint8Array(72) }).catch(() => undefined);
    assert.equal(c.session.user?.ident, 'alice');
  });

  it('ACL via the user acl param; test_acl answers False / True / letters', async () => {
    const st = fresh();
    st.setValue([null, 'acl', 'foo', 'one'], 'rxnc');
    st.setValue([null, 'acl', 'foo', 'one', 'two'], 'rc');
    st.setValue([null, 'acl', 'seer', '#'], 'arx');
    const admin = connect(st);
    await setUser(admin, { method: 'password', name: 'limited', password: 'l1mited' });
    await setUser(admin, { method: 'password', name: 'seer', password: 's33r-pw' });
    st.setValue([null, 'auth', 'password', 'user', 'limited', 'acl'], { key: 'foo' });
    st.setValue([null, 'auth', 'password', 'user', 'seer', 'acl'], { key: 'seer' });
    await setAuthType(admin, 'password');
    // no ACL: allowed, letters hidden; another ACL by name
    assert.equal(await testAcl(admin, ['one'], 'r'), true);
    assert.equal(await testAcl(admin, ['one', 'two'], 'w', 'foo'), false);
    assert.equal(await testAcl(admin, ['one'], 'r', 'foo'), true);
    assert.match(await msgOf(testAcl(admin, ['one'], 'r', 'nope')), /P\(':n\.acl\.nope'\)/);

    const lim = connect(st);
    await login(lim, { method: 'password', name: 'limited', password: 'l1mited' });
    assert.equal(lim.session.acl.isNull, false);
    assert.equal(await testAcl(lim, ['one'], 'r'), false, "no 'a' in rxnc");
    assert.equal(await testAcl(lim, ['one'], 'r', 'foo'), true);

    const seer = connect(st);
    await login(seer, { method: 'password', name: 'seer', password: 's33r-pw' });
    assert.equal(await testAcl(seer, ['x'], 'r'), 'arx');
    assert.equal(await testAcl(seer, ['x', 'new'], 'r'), false, "a missing node needs 'n' at its parent");
    assert.equal(await testAcl(seer, ['one'], 'w', 'foo'), false);
    assert.equal(await testAcl(seer, ['one'], 'r', 'foo'), true);
  });

  it('root method and turning auth off', async () => {
    const st = fresh();
    const admin = connect(st);
    await setUser(admin, { method: 'root' });
    await setAuthType(admin, 'root');
    const c = connect(st);
    assert.deepEqual(c.greeting.auth, ['root']);
    await login(c, { method: 'root' });
    assert.equal(c.session.user?.ident, '*');
    await setAuthType(c, null);
    assert.deepEqual(connect(st).greeting.auth, [null, 'root']);
    assert.equal(connect(st).session.user?.superRoot, true);
  });

  it('hardened records: salted scrypt, verified by our server, no raw digest stored', async () => {
    const st = fresh();
    const admin = connect(st, { hardenedPasswords: true });
    await setUser(admin, { method: 'password', name: 'alice', password: 's3cret-pw' });
    await setUser(admin, { method: 'password', name: 'bob', password: 's3cret-pw' });
    await setAuthType(admin, 'password');
    const a = st.get([null, 'auth', 'password', 'user', 'alice'])!.value as Record<string, Record<string, Uint8Array>>;
    const b = st.get([null, 'auth', 'password', 'user', 'bob'])!.value as Record<string, Record<string, Uint8Array>>;
    assert.equal('password' in a, false);
    assert.notDeepEqual(a.password_kdf!.hash, b.password_kdf!.hash, 'same password, different salt');
    const c = connect(st);
    assert.equal(await login(c, { method: 'password', name: 'alice', password: 's3cret-pw' }), true);
    const d = connect(st);
    assert.match(await msgOf(login(d, { method: 'password', name: 'alice', password: 'nope-pw' })), /AuthFailedError/);
  });

  it('garbage in auth requests is an error, never a crash or a login', async () => {
    const st = fresh();
    const admin = connect(st);
    await setUser(admin, { method: 'password', name: 'alice', password: 's3cret-pw' });
    await setAuthType(admin, 'password');
    const junk: ValueObject[] = [
      {},
      { typ: 5 },
      { typ: 'password', ident: ['x'] },
      { typ: 'password', ident: 'alice', password: 'str' },
      { typ: 'password', ident: 'alice', password: new Uint8Array(3) },
      { typ: 'password', ident: null },
    ];
    for (const j of junk) {
      const c = connect(st);
      await assert.rejects(c.request('auth', j), (e: Error) => e instanceof AuthReplyError);
      assert.equal(c.session.user, null);
    }
    const c = connect(st);
    for (const pk of [null, 'x', new Uint8Array(0), new Uint8Array(300).fill(255)]) {
      await assert.rejects(c.request('diffie_hellman', { pubkey: pk as Value }), AuthReplyError);
    }
  });
});

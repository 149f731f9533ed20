// The `_test` auth method over an in-memory connection: our client creates a user in auth_set's
// two-way conversation and logs in; fuzz: whatever a client sends on that stream, the server does
// not crash, stores nothing but `{}` under a valid name, and the connection keeps working.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DistkvClient } from '../../../lib/client/client.js';
import { login, setAuthType, setUser } from '../../../lib/auth/client-login.js';
import { decodeAll, encode, type Value, type ValueObject } from '../../../store/codec.js';
import { Path } from '../../../store/path.js';
import { memServer } from '../client-protocol/helpers.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('lib/auth: the _test method', () => {
  it('our client: user created on the two-way stream, auth switched to _test, login by name only', async () => {
    const srv = memServer();
    const admin = await DistkvClient.connect({ stream: srv.connect() });
    const r = await setUser(admin, { method: '_test', name: 'foo' });
    assert.equal(r.changed, true);
    assert.deepEqual(srv.store.get([null, 'auth', '_test', 'user', 'foo'])?.value, {});
    await setAuthType(admin, '_test');
    const c = await DistkvClient.connect({ stream: srv.connect() });
    await login(c, { method: '_test', name: 'foo' });
    assert.equal((await c.get(Path.ROOT)).value, 'initial_value');
    const single = await admin.request('auth_set', { typ: '_test', kind: 'user', ident: 'bar' }).then(
      () => 'no error',
      (e: Error) => e.message,
    );
    assert.equal(single, "Can't explicitly send in simple interaction");
    admin.close();
    c.close();
    srv.listener.closeAll();
  });

  it('fuzz: random client messages on the _test auth_set stream: no crash, only {} under valid names, connection usable', async () => {
    const value: fc.Arbitrary<Value> = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constantFrom('HasName', 'foo', 'end', 'ack'));
    const msg = fc.dictionary(fc.constantFrom('step', 'name', 'state', 'error', 'chain', 'ack', 'wseq'), value, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(fc.array(msg, { maxLength: 20 }), async (msgs) => {
        const srv = memServer();
        const s = srv.connect();
        const got: ValueObject[] = [];
        s.onData((b) => got.push(...decodeAll(b).map((r) => r.value as ValueObject)));
        s.write(encode({ action: 'auth_set', typ: '_test', kind: 'user', ident: 'x', seq: 1, state: 'start' }));
        await settle();
        for (const m of msgs) s.write(encode({ ...(m as ValueObject), seq: 1 }));
        await settle();
        s.write(encode({ action: 'get_value', path: [], seq: 2 }));
        await settle();
        assert.ok(got.some((g) => g.seq === 2 && g.value === 'initial_value'), JSON.stringify(got));
        const users = srv.store.get([null, 'auth', '_test', 'user']);
        for (const u of users?.sortedChildren() ?? []) {
          assert.match(String(u.key), /^[a-zA-Z][a-zA-Z0-9_]*$/);
          assert.deepEqual(u.value, {});
        }
        srv.listener.closeAll();
      }),
      { numRuns: 150, seed: 1234 },
    );
  });
});

// Garbage into every auth entry point of AuthSession (fast-check): only the error classes that
// become `{seq, error}` replies come out — never a TypeError/RangeError crash — and a refused
// request leaves the store as it was and the session logged out.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { AuthSession } from '../../../lib/auth/session.js';
import { AuthReplyError } from '../../../lib/auth/users.js';
import { AclError } from '../../../lib/auth/acl.js';
import { Request, RequestError } from '../../../lib/client-protocol/msg.js';
import { ClientError } from '../../../store/errors.js';
import { Store } from '../../../store/store.js';
import { Path } from '../../../store/path.js';
import { passwordHash } from '../../../lib/auth/password.js';
import type { Value, ValueObject } from '../../../store/codec.js';

const leaf: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.uint8Array({ maxLength: 80 }),
  fc.constantFrom<Value>('password', 'root', 'alice', 'user', '*', '', 'x', 'rwx', new Uint8Array(72)),
);
const val: fc.Arbitrary<Value> = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), leaf, { maxKeys: 3 }));
const reqArb = fc.record(
  {
    typ: val,
    ident: val,
    kind: val,
    password: val,
    pubkey: val,
    length: val,
    chain: val,
    nchain: val,
    root: val,
    path: val,
    mode: val,
    acl: val,
    prev: val,
    idem: val,
  },
  { requiredKeys: [] },
);
const ACTIONS = ['diffie_hellman', 'auth', 'auth_get', 'auth_set', 'auth_list', 'auth_info', 'set_auth_typ', 'test_acl'] as const;

function fresh(): Store {
  const s = new Store('f');
  s.markReady();
  s.setValue(Path.of('x'), 1);
  s.setValue([null, 'acl', 'foo', '#'], 'rx');
  s.setValue([null, 'auth', 'password', 'user', 'alice'], { password: passwordHash('s3cret-pw') });
  s.setValue([null, 'auth'], { current: 'password' });
  return s;
}

function run(s: AuthSession, store: Store, action: (typeof ACTIONS)[number], raw: ValueObject): unknown {
  const r = new Request(raw);
  switch (action) {
    case 'diffie_hellman':
      return s.diffieHellman(r);
    case 'auth':
      return s.login(r);
    case 'auth_get':
      return s.authGet(r);
    case 'auth_set':
      return s.authSet(r);
    case 'auth_list':
      return s.authList(r);
    case 'auth_info':
      return s.authInfo();
    case 'set_auth_typ':
      return s.setAuthTyp(r);
    case 'test_acl':
      return s.testAcl(r, store.root, r.path().elements);
  }
}

describe('auth session fuzz', () => {
  it('garbage requests: only reply errors, no login, store unchanged on refusal', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...ACTIONS), reqArb), { minLength: 1, maxLength: 6 }), fc.boolean(), (steps, admin) => {
        const store = fresh();
        const s = new AuthSession(store, { random: (n) => new Uint8Array(n).fill(3) });
        s.greeting();
        if (admin) s.user = { method: 'password', ident: 'alice', superRoot: true };
        for (const [action, raw] of steps) {
          const before = store.currentTock;
          try {
            run(s, store, action, raw as ValueObject);
          } catch (e) {
            assert.ok(
              e instanceof AuthReplyError || e instanceof RequestError || e instanceof AclError || e instanceof ClientError,
              `${action} ${String(e)}`,
            );
            assert.equal(store.currentTock, before, `${action}: refused but the store changed`);
          }
          if (!admin) assert.equal(s.user, null, 'garbage never logs in');
        }
      }),
      { numRuns: 400, seed: 77 },
    );
  });
});

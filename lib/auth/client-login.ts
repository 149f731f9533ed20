// Client side of DistKV auth (python `distkv.auth.*.ClientUser*` and `Client.dh_secret`): read
// the greeting's `auth` list, run the DH exchange once per connection, log in with `root` or
// `password`, and manage users (auth_set / auth_get / auth_list / set_auth_typ). Works against
// the python server and ours; `AuthClient` is what lib/client's DistkvClient already offers.
import { randomBytes } from 'node:crypto';
import type { Value, ValueObject } from '../../store/codec.js';
import { DEFAULT_DH_LENGTH, DhParty } from './dh.js';
import { packPassword } from './password.js';

/** The part of a client connection the login needs (lib/client/client.ts DistkvClient fits). */
export interface AuthClient {
  request(action: string, params?: ValueObject): Promise<ValueObject>;
  readonly greeting: { auth?: Value };
}

export type Credentials =
  | { method: 'root' }
  | { method: 'password'; name: string; password: string; /** python CLI `-D`: 16 (group 5) */ dhLength?: number }
  | { method: '_test'; name: string };

/** A client that can also talk on an open stream (`_test` user creation); DistkvClient fits. */
export interface StreamingClient extends AuthClient {
  stream(action: string, params?: ValueObject): AsyncIterator<ValueObject> & { readonly seq: number };
  send(msg: ValueObject): void;
}

function isStreaming(c: AuthClient): c is StreamingClient {
  return typeof (c as Partial<StreamingClient>).stream === 'function' && typeof (c as Partial<StreamingClient>).send === 'function';
}

/** The server wants another method than ours (python ClientAuthMethodError). */
export class AuthMethodError extends Error {
  override name = 'ClientAuthMethodError';
}

export type RandomBytes = (n: number) => Uint8Array;
const cryptoRandom: RandomBytes = (n) => new Uint8Array(randomBytes(n));

const dhKeys = new WeakMap<AuthClient, Promise<Uint8Array>>();

/** The greeting's methods: [current or null, others...]; undefined when auth is not set up. */
export function greetingMethods(c: AuthClient): (string | null)[] | undefined {
  const a = c.greeting.auth;
  return Array.isArray(a) ? (a as (string | null)[]) : undefined;
}

/** The method the server requires, or null when no login is needed. */
export function requiredMethod(c: AuthClient): string | null {
  const m = greetingMethods(c);
  return m && typeof m[0] === 'string' ? m[0] : null;
}

/**
 * python `Client.dh_secret`: one exchange per connection (the server refuses a second one), the
 * first 32 bytes of the shared secret as the SecretBox key.
 */
export function dhSecret(c: AuthClient, length = DEFAULT_DH_LENGTH, random: RandomBytes = cryptoRandom): Promise<Uint8Array> {
  let p = dhKeys.get(c);
  if (!p) {
    p = (async () => {
      const me = new DhParty(length, random);
      const res = await c.request('diffie_hellman', { pubkey: me.publicBytes(), length });
      const pub = res.pubkey;
      if (!(pub instanceof Uint8Array)) throw new Error('diffie_hellman: the server sent no pubkey');
      return me.boxKey(pub);
    })();
    dhKeys.set(c, p);
  }
  return p;
}

/** python `pack_pwd`: SHA-256 of the password in a SecretBox under the DH key. */
export async function packedPassword(c: AuthClient, password: string, length = DEFAULT_DH_LENGTH, random: RandomBytes = cryptoRandom): Promise<Uint8Array> {
  const key = await dhSecret(c, length, random);
  return packPassword(key, password, random(24));
}

/**
 * python `Client._run_auth`: nothing to do when the server needs no login (python only logs that
 * credentials were unnecessary); an error when it wants another method.
 */
export async function login(c: AuthClient, cred: Credentials | undefined, random: RandomBytes = cryptoRandom): Promise<boolean> {
  const need = requiredMethod(c);
  if (need === null) return false;
  if (!cred) throw new AuthMethodError(`The server requires ${need} auth`);
  if (cred.method !== need) throw new AuthMethodError(`You cannot use '${cred.method}' auth (the server wants '${need}')`);
  if (cred.method === 'root') {
    await c.request('auth', { typ: 'root', iter: false, chroot: [], ident: '*', data: {} });
  } else if (cred.method === '_test') {
    // python `_test` ClientUser: the name is all there is
    await c.request('auth', { typ: '_test', iter: false, ident: cred.name, data: {} });
  } else {
    const pw = await packedPassword(c, cred.password, cred.dhLength ?? DEFAULT_DH_LENGTH, random);
    await c.request('auth', { typ: 'password', iter: false, ident: cred.name, password: pw });
  }
  return true;
}

/** Create or replace a user (python `ClientUserMaker.send` via `auth user add`); `chain: null` = must be new. */
export async function setUser(
  c: AuthClient,
  cred: Credentials,
  opts: { chain?: Value | null; random?: RandomBytes } = {},
): Promise<ValueObject> {
  const msg: ValueObject = { chain: opts.chain ?? null };
  if (cred.method === 'root') {
    return c.request('auth_set', { iter: false, typ: 'root', kind: 'user', ident: '*', ...msg, data: {} });
  }
  if (cred.method === '_test') return setTestUser(c, cred.name, msg.chain ?? null);
  msg.password = await packedPassword(c, cred.password, cred.dhLength ?? DEFAULT_DH_LENGTH, opts.random ?? cryptoRandom);
  return c.request('auth_set', { ident: cred.name, typ: 'password', kind: 'user', ...msg });
}

/** `auth -m METHOD init [-s]`: switch the server to `typ` (null: auth off). */
export function setAuthType(c: AuthClient, typ: string | null): Promise<ValueObject> {
  return c.request('set_auth_typ', { typ });
}

/** `test_acl`: python answers False (denied), True (allowed, ACL letters hidden) or the letters. */
export async function testAcl(c: AuthClient, path: Value, mode = 'x', acl?: string): Promise<boolean | string> {
  const res = await c.request('test_acl', acl === undefined ? { path, mode } : { path, mode, acl });
  const a = res.access;
  if (typeof a === 'boolean' || typeof a === 'string') return a;
  throw new Error('test_acl: unexpected answer');
}

/**
 * python `_test` ClientUserMaker.send: auth_set opens a stream both ways; the server asks
 * (`step: GiveName`), we answer `{step: HasName, name, chain}` on the same seq, it replies with
 * the set result, then both sides end the stream.
 */
async function setTestUser(c: AuthClient, name: string, chain: Value): Promise<ValueObject> {
  if (!isStreaming(c)) throw new Error('_test users need a client that can send on a stream');
  const s = c.stream('auth_set', { typ: '_test', kind: 'user', ident: name, state: 'start' });
  try {
    const ask = await s.next();
    if (ask.done || ask.value.step !== 'GiveName') throw new Error(`auth_set _test: expected step GiveName, got ${ask.done ? 'the end' : JSON.stringify(ask.value.step)}`);
    c.send({ seq: s.seq, step: 'HasName', name, chain });
    const res = await s.next();
    if (res.done) throw new Error('auth_set _test: no result');
    while (!(await s.next()).done);
    return res.value;
  } finally {
    // python's aclose: our side of the stream ends too (a late `end` is harmless to the server)
    c.send({ seq: s.seq, state: 'end' });
  }
}

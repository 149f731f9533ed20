// The server side of DistKV auth for one client connection (python `ServerClient` user/acl/dh
// state, `SCmd_auth*`, `cmd_diffie_hellman`, `cmd_set_auth_typ`, `cmd_test_acl`). The connection
// owns one AuthSession; it asks it for the greeting's `auth` list, lets only `auth` and
// `diffie_hellman` through before login (python then drops the connection), and hands the auth
// commands over. Errors are AuthReplyError/AclError whose message is python's reply text.
import { randomBytes } from 'node:crypto';
import { dictGet, isDict, type Value, type ValueObject } from '../../store/codec.js';
import type { Entry } from '../../store/entry.js';
import { chainToWire } from '../../store/chain.js';
import { Path, isPathElement, type PathElement } from '../../store/path.js';
import { reprString } from '../../store/path-repr.js';
import type { SetOptions, SetResult, Store } from '../../store/store.js';
import type { Request } from '../client-protocol/msg.js';
import { AclError, AclFinder, NULL_ACL, followAcl, type AclChecker } from './acl.js';
import { DEFAULT_DH_LENGTH, DhParty, MalformedPublicKey } from './dh.js';
import { BoxError, openBox } from './password.js';
import {
  AuthReplyError,
  isMethod,
  pyError,
  USER_NAME,
  passwordMatches,
  passwordRecord,
  reprExc,
  reprP,
  unknownMethod,
  userParam,
  userPath,
  type Method,
} from './users.js';

/** A logged-in user. All of DistKV's built-in methods make super-root users (auth data, None paths). */
export interface SessionUser {
  readonly method: Method | null;
  readonly ident: string;
  readonly superRoot: boolean;
}

/** The user of a server without auth (python RootServerUser). */
export const NO_AUTH_USER: SessionUser = { method: null, ident: '*', superRoot: true };

/** Commands python runs before login (`noAuth`). Anything else closes the connection. */
const BEFORE_LOGIN = new Set(['auth', 'diffie_hellman']);

export interface AuthOptions {
  /** Private keys and nonces (a CSPRNG unless a test injects one). */
  random?: (n: number) => Uint8Array;
  /** Store new password records salted+scrypted (only our servers can verify them). */
  hardenedPasswords?: boolean;
}

const AUTH: PathElement[] = [null, 'auth'];

/** python `_set_value` options from a request (chain/prev/idem/nchain). */
function setOpts(req: Request, nchainDefault = 1): SetOptions {
  const o: SetOptions = { nchain: req.int('nchain', nchainDefault) };
  if (req.flag('idem')) o.idem = true;
  if (req.has('prev')) o.prev = req.get('prev') as Value;
  if (req.has('chain')) {
    const c = req.get('chain');
    if (c === null || c === undefined) o.chain = null;
    else if (isDict(c)) {
      const node = dictGet(c, 'node');
      const tick = dictGet(c, 'tick');
      if (typeof node !== 'string' || typeof tick !== 'number') throw new AuthReplyError('chain must have node and tick');
      o.chain = { node, tick };
    } else throw new AuthReplyError('chain must be a map or None');
  }
  return o;
}

/** A request field used as a path element (python: msg.typ / msg.ident / msg.kind). */
function elem(req: Request, key: string, dflt?: PathElement): PathElement {
  const v = req.get(key);
  if (v === undefined && dflt !== undefined) return dflt;
  if (v === undefined) throw new AuthReplyError(`'attrdict' object has no attribute '${key}'`);
  if (!isPathElement(v)) throw new AuthReplyError(`${key}: not a path element`);
  return v;
}

/** The greeting's `auth` field (python ServerClient.run): [current|None, other methods...]. */
export function greetingAuth(store: Store): Value[] | undefined {
  const auth = store.get(AUTH);
  if (!auth) return undefined;
  const methods = auth.sortedChildren().map((c) => c.key as Value);
  const v = auth.value;
  let cur: Value = null;
  if (isDict(v)) {
    const c = dictGet(v, 'current');
    const i = methods.findIndex((m) => m === c);
    if (c !== undefined && i >= 0) {
      cur = c;
      methods.splice(i, 1);
    }
  }
  return [cur, ...methods];
}

export class AuthSession {
  /** null until the login succeeded (or at once, when the server has no auth). */
  user: SessionUser | null = null;
  /** The user's ACL (python `client.acl`), fixed at login. */
  acl: AclChecker = NULL_ACL;
  /** The user's converter name (python `client.conv`); applying it is the data layer's job. */
  conv: string | undefined;
  private dhKey: Uint8Array | undefined;
  private readonly random: (n: number) => Uint8Array;

  constructor(
    private readonly store: Store,
    private readonly opts: AuthOptions = {},
  ) {
    this.random = opts.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  /** Call once when the connection starts: the greeting field; no login needed ⇒ super-root. */
  greeting(): Value[] | undefined {
    const a = greetingAuth(this.store);
    if (!a || a[0] === null) this.user = NO_AUTH_USER;
    return a;
  }

  /** python `needAuth and not noAuth`: the connection must be dropped. */
  refuses(action: string): boolean {
    return this.user === null && !BEFORE_LOGIN.has(action);
  }

  /** python `nulls_ok` for data paths (chroot aside): 2 without auth, else 1 for super-roots. */
  nullsOk(): 0 | 1 | 2 {
    if (!this.store.get([null])) return 2;
    return this.user?.superRoot ? 1 : 0;
  }

  // ---- DH ----

  diffieHellman(req: Request): ValueObject {
    if (this.dhKey) throw new AuthReplyError("Can't call dh twice");
    const pub = req.get('pubkey');
    const length = req.int('length', DEFAULT_DH_LENGTH);
    if (!(pub instanceof Uint8Array)) throw new AuthReplyError('pubkey must be bytes');
    const me = new DhParty(length, this.random);
    try {
      this.dhKey = me.boxKey(pub);
    } catch (e) {
      if (e instanceof MalformedPublicKey) throw new AuthReplyError(e.message);
      throw e;
    }
    return { pubkey: me.publicBytes() };
  }

  private decryptDigest(boxed: Value | undefined): Uint8Array {
    if (!this.dhKey) throw pyError('RuntimeError', 'The client has not executed DH key exchange');
    if (!(boxed instanceof Uint8Array)) throw pyError('TypeError', 'password must be bytes');
    try {
      return openBox(this.dhKey, boxed);
    } catch (e) {
      if (e instanceof BoxError) throw pyError('CryptoError', e.message);
      throw e;
    }
  }

  // ---- login ----

  /**
   * `auth {typ, ident, ...}` (python SCmd_auth; replied as an empty stream, errors inside it as
   * repr(exc)). A second login only verifies; the identity stays.
   */
  login(req: Request): void {
    if (req.has('root') && !isEmptyPath(req.get('root'))) throw new AuthReplyError('auth: tenant roots are not supported');
    const typ = elem(req, 'typ');
    const auth = this.store.get(AUTH);
    if (!auth) throw new AuthReplyError(`KeyError(${reprP(AUTH)})`);
    if (this.user === null) {
      const cur = isDict(auth.value) ? dictGet(auth.value, 'current') : undefined;
      if (typ !== cur) throw new AuthReplyError(`RuntimeError('Wrong auth type', ${cur === undefined ? 'None' : pyRepr(cur)})`);
    }
    const ident = elem(req, 'ident');
    const rel: PathElement[] = [typ, 'user', ident];
    const rec = typeof ident === 'string' && typeof typ === 'string' ? auth.child(typ)?.child('user')?.child(ident) : undefined;
    if (!rec) throw new AuthReplyError(`KeyError(${reprP(rel)})`);
    if (!isMethod(typ)) throw unknownMethod(typ);
    if (typ === 'password') {
      const digest = this.decryptDigest(req.get('password'));
      if (!passwordMatches(rec.value as Value, digest)) throw new AuthReplyError(reprExc('AuthFailedError', 'Password hashes do not match', String(ident)));
    }
    if (this.user !== null) return;
    this.user = { method: typ, ident: String(ident), superRoot: true };
    this.conv = userParam(rec, 'conv');
    this.acl = this.aclFor(userParam(rec, 'acl'));
  }

  /** python `aux_acl`: no param or "*" = no ACL; a missing ACL tree = no ACL (python: KeyError → NullACL). */
  private aclFor(name: string | undefined): AclChecker {
    if (name === undefined || name === '*') return NULL_ACL;
    const tree = this.store.get([null, 'acl', name]);
    return tree ? AclFinder.at(tree) : NULL_ACL;
  }

  // ---- user management ----

  private authEntry(req: Request, create: boolean, streamed = false): Entry | undefined {
    if (req.has('root') && !isEmptyPath(req.get('root'))) throw new AuthReplyError('tenant roots are not supported');
    const e = this.store.get(AUTH);
    // python follows the tuple `() + (None, "auth")` here, so the KeyError shows a tuple
    if (!e && !create) throw new AuthReplyError(streamed ? "KeyError((None, 'auth'))" : "(None, 'auth')");
    return e;
  }

  /** `auth_get {typ, kind, ident, nchain}` (single reply): the user's public info (none) + chain. */
  authGet(req: Request): ValueObject {
    const auth = this.authEntry(req, false)!;
    const typ = elem(req, 'typ');
    const kind = elem(req, 'kind', 'user');
    const ident = elem(req, 'ident');
    const rel = [typ, kind, ident];
    const rec = descend(auth, rel);
    if (!rec) throw new AuthReplyError(reprP(rel));
    if (!isMethod(typ)) throw unknownMethod(typ);
    const res: ValueObject = {};
    const nchain = req.int('nchain', 0);
    if (nchain && rec.chain) res.chain = chainToWire(rec.chain, nchain) as unknown as Value;
    return res;
  }

  /**
   * `auth_list {typ, kind, ident?, nchain}`: one `{typ, kind, ident, chain?}` per user; python
   * replies with a single message when `ident` is given, else a stream.
   */
  authList(req: Request): { single: boolean; items: ValueObject[] } {
    const auth = this.authEntry(req, false, !req.has('ident'))!;
    const typ = elem(req, 'typ');
    const kind = elem(req, 'kind', 'user');
    const nchain = req.int('nchain', 0);
    const one = (e: Entry): ValueObject => {
      if (!isMethod(typ)) throw unknownMethod(typ);
      const r: ValueObject = { typ, kind: kind as Value, ident: e.key as Value };
      if (e.chain && nchain !== 0) r.chain = chainToWire(e.chain, nchain) as unknown as Value;
      return r;
    };
    if (req.has('ident')) {
      const rel = [typ, kind, elem(req, 'ident')];
      const rec = descend(auth, rel);
      if (!rec) throw new AuthReplyError(reprP(rel));
      return { single: true, items: [one(rec)] };
    }
    const rel = [typ, kind];
    const dir = descend(auth, rel);
    if (!dir) throw new AuthReplyError(`KeyError(${reprP(rel)})`);
    return { single: false, items: dir.sortedChildren().filter((e) => e.hasValue()).map(one) };
  }

  /**
   * `auth_set {typ, kind, ident, chain?, password?, ...}` (streamed, one result): store a user
   * record. We never return `prev` (python would send the old password hash back).
   */
  authSet(req: Request): SetResult {
    const typ = this.authSetCheck(req);
    if (typ === '_test') throw new AuthReplyError('_test users are created in a conversation (authSetTest)');
    let ident: PathElement;
    let value: ValueObject;
    if (typ === 'root') {
      ident = '*';
      value = {};
    } else {
      const id = req.get('ident');
      if (typeof id !== 'string' || !USER_NAME.test(id)) throw new AuthReplyError('ident: a user name (letter, then letters, digits, _)');
      ident = id;
      const digest = this.decryptDigest(req.get('password'));
      value = passwordRecord(digest, this.opts.hardenedPasswords ? { salt: this.random(16) } : false);
    }
    return this.storeUser(req, typ, ident, value);
  }

  private authSetCheck(req: Request): Method {
    this.authEntry(req, true);
    const typ = elem(req, 'typ');
    const kind = elem(req, 'kind', 'user');
    if (!isMethod(typ)) throw unknownMethod(typ);
    if (kind !== 'user') throw new AuthReplyError(`kind ${pyRepr(kind)} is not supported`);
    return typ;
  }

  private storeUser(req: Request, typ: Method, ident: PathElement, value: ValueObject): SetResult {
    const res = this.store.setValue(Path.from(userPath(typ, ident)), value, setOpts(req));
    delete res.prev;
    return res;
  }

  /**
   * `auth_set {typ: "_test", …, state: "start"}` as python's `_test` ServerUserMaker.recv: sends
   * `{step: "GiveName"}`, reads `{step: "HasName", name}` from the client on the same stream and
   * stores `{}` under that name (the request's `ident` is not used, as in python).
   */
  async authSetTest(req: Request, talk: { send(m: ValueObject): Promise<void>; recv(): Promise<Request> }): Promise<SetResult> {
    if (this.authSetCheck(req) !== '_test') throw new AuthReplyError('not a _test request');
    await talk.send({ step: 'GiveName' });
    let msg: Request;
    try {
      msg = await talk.recv();
    } catch (e) {
      // the client ended its side (or never opened one): python's repr, e.g. `EndOfStream()`
      if (e instanceof Error && e.name === 'RequestError') throw new AuthReplyError(e.message);
      throw e;
    }
    // python: `assert msg.step == "HasName"`
    if (msg.get('step') !== 'HasName') throw new AuthReplyError('AssertionError()');
    const name = msg.get('name');
    if (typeof name !== 'string' || !USER_NAME.test(name)) throw new AuthReplyError('name: a user name (letter, then letters, digits, _)');
    return this.storeUser(req, '_test', name, {});
  }

  /** `auth_info`: python reads (None,None,"auth") below the meta root, which never exists: `{}`. */
  authInfo(): ValueObject {
    return {};
  }

  /** `set_auth_typ {typ}`: switch the method (it needs a user) or turn auth off (`typ: None`). */
  setAuthTyp(req: Request): SetResult {
    if (!this.user?.superRoot) throw new AuthReplyError("You're not allowed to do that");
    const typ = req.get('typ') ?? null;
    if (typ !== null && typeof typ !== 'string') throw new AuthReplyError('typ must be a method name or None');
    const auth = this.store.get(AUTH);
    const old = auth && isDict(auth.value) ? auth.value : undefined;
    const val: ValueObject = {};
    if (old) for (const [k, v] of old instanceof Map ? old : Object.entries(old)) if (typeof k === 'string') val[k] = v as Value;
    if (typ === null) delete val.current;
    else {
      const users = typeof typ === 'string' ? auth?.child(typ)?.child('user') : undefined;
      if (!users || !users.sortedChildren().some((u) => u.hasValue()))
        throw new AuthReplyError(`You didn't configure this method yet:(${pyRepr(typ)}, …)`);
      val.current = typ;
    }
    return this.store.setValue(Path.from(AUTH), val, setOpts(req));
  }

  // ---- ACLs ----

  /**
   * `test_acl {path, mode, acl?}` (python cmd_test_acl), `path` relative to `root`: False when
   * denied, True when allowed but the caller may not see ACL letters (no `a`), else the letters.
   * python 0.57.4 reads the letters of the user's *unstepped* ACL when no `acl` is given (so a
   * user with an ACL gets an AttributeError reply); we answer with the letters at the path.
   */
  testAcl(req: Request, root: Entry | undefined, relPath: readonly PathElement[]): ValueObject {
    if (relPath.includes(null)) throw new AuthReplyError('Null path element');
    const m = req.get('mode');
    const mode = typeof m === 'string' && m !== '' ? m : 'x';
    const other = req.get('acl');
    if (other !== undefined && other !== null && !isPathElement(other)) throw new AuthReplyError('acl: not an ACL name');
    let acl: AclChecker;
    try {
      acl = followAcl(root, relPath, this.acl, other === undefined || other === null ? 'a' : mode, 'check').acl;
      if (other !== undefined && other !== null) {
        const ok = this.acl.allows('a');
        const tree = this.store.get([null, 'acl', other as PathElement]);
        if (!tree) throw new AuthReplyError(reprP([null, 'acl', other as PathElement]));
        acl = followAcl(root, relPath, AclFinder.at(tree), mode, 'check').acl;
        if (!ok) acl.block('a');
        acl.check(mode);
      }
    } catch (e) {
      if (e instanceof AclError) return { access: false };
      throw e;
    }
    if (!acl.allows('a')) return { access: true };
    const r = acl.result();
    if (!r) throw new AuthReplyError("'NoneType' object has no attribute 'data'");
    return { access: r.value as Value };
  }
}

function descend(e: Entry, rel: readonly PathElement[]): Entry | undefined {
  let cur: Entry | undefined = e;
  for (const el of rel) {
    if (el === undefined) return undefined;
    cur = cur.child(el);
    if (!cur) return undefined;
  }
  return cur;
}

function isEmptyPath(v: Value | undefined): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (v instanceof Path && v.length === 0);
}

/** python repr of a scalar for error texts. */
function pyRepr(v: Value | undefined): string {
  if (v === undefined || v === null) return 'None';
  if (typeof v === 'string') return reprString(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return '<…>';
}

// `distkv client auth [-m METHOD] list|init|user …` and `distkv client acl list|dump|get|set|test`
// (DistKV's `command/client/auth.py` and `acl.py`). Users: `user add name=N password=P`,
// `user mod N password=P`, `user list [-v]`, `user get N`, `user param N acl ACLNAME` (the ACL a
// user gets at login), `user auth -a AUTH` (test a login). The current method comes from the
// meta tree's `(None, "auth")` entry, as the server's greeting does.
import { UsageError } from '../args.js';
import { login, setUser, setAuthType, type Credentials } from '../auth/client-login.js';
import type { Value, ValueObject } from '../../store/codec.js';
import { Path, type PathElement } from '../../store/path.js';
import { CliError, nestedDict, pickSub, withoutSeq, type CliContext, type Subcommand } from './client-context.js';
import { parseOpts, type OptSpec } from './client-args.js';
import { parseAuth } from '../client/auth-arg.js';

export const AUTH_USAGE = `auth [-m METHOD] list | init [-s] | user list [-v] | user get NAME | user add name=NAME password=PW
      | user mod NAME password=PW | user param [-n] NAME TYPE KEY|- [k=v...] | user auth -a AUTH`;
export const ACL_USAGE = `acl list | dump [-d KEY] NAME PATH | get NAME PATH | set [-a [+-]LETTERS] NAME PATH | test [-m MODE] [-a ACL] PATH`;

/** python split_arg: KEY=VALUE, the value an int when it looks like one. */
function splitArgs(args: string[]): ValueObject {
  const kw: ValueObject = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq < 0) throw new UsageError(`'${a}' is not KEY=VALUE`);
    const v = a.slice(eq + 1);
    kw[a.slice(0, eq)] = /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return kw;
}

interface AuthCtx extends CliContext {
  method: string;
}

/** The method to work on: -m, else the server's current one, else the only one configured. */
async function chooseMethod(ctx: CliContext, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const cur = await ctx.client.request('get_internal', { path: Path.trusted(['auth']) });
  const v = cur.value;
  if (v && typeof v === 'object' && !(v instanceof Map) && typeof (v as ValueObject).current === 'string') return (v as ValueObject).current as string;
  const all = await methods(ctx);
  if (all.length !== 1) throw new UsageError('You need to set the auth method (-m METHOD)');
  return all[0]!;
}

async function methods(ctx: CliContext): Promise<string[]> {
  try {
    const r = await ctx.client.request('enum_internal', { path: Path.trusted(['auth']), with_data: false, empty: true, nchain: 0 });
    return ((r.result as Value[]) ?? []).map(String);
  } catch {
    return [];
  }
}

function userCred(method: string, kw: ValueObject): Credentials {
  if (method === 'root') return { method: 'root' };
  if (method !== 'password' && method !== '_test') throw new UsageError(`cannot manage users of method '${method}' (root, password, _test)`);
  if (kw.name === undefined) throw new UsageError('needs name=NAME');
  if (method === '_test') return { method: '_test', name: String(kw.name) };
  if (kw.password === undefined) throw new UsageError('needs password=PASSWORD');
  return { method: 'password', name: String(kw.name), password: String(kw.password) };
}

const USER: Record<string, (ctx: AuthCtx, argv: string[]) => Promise<number>> = {
  async list(ctx, argv) {
    const o = parseOpts(argv, [{ name: 'verbose', short: 'v', help: 'complete records' }]);
    for await (const r of ctx.client.stream('auth_list', { typ: ctx.method, kind: 'user', nchain: ctx.meta })) {
      if (ctx.meta || o.flag('verbose')) {
        const { tock: _t, ...x } = withoutSeq(r);
        ctx.out.value(x);
      } else ctx.out.line(String(r.ident));
    }
    return 0;
  },
  async get(ctx, argv) {
    const [ident, ...extra] = argv;
    if (!ident || extra.length) throw new UsageError('user get NAME');
    await ctx.client.request('auth_get', { typ: ctx.method, kind: 'user', ident, nchain: 0 });
    ctx.out.value({ name: ident });
    return 0;
  },
  async add(ctx, argv) {
    const cred = userCred(ctx.method, splitArgs(argv));
    const r = await setUser(ctx.client, cred, { chain: null });
    const ident = cred.method === 'root' ? '*' : cred.name;
    if (ctx.meta) ctx.out.value({ ...withoutSeq(r), ident });
    else ctx.out.line(ident);
    return 0;
  },
  async mod(ctx, argv) {
    const [ident, ...rest] = argv;
    if (!ident) throw new UsageError('user mod NAME key=value...');
    const old = await ctx.client.request('auth_get', { typ: ctx.method, kind: 'user', ident, nchain: 2 });
    const kw = { name: ident, ...splitArgs(rest) };
    const cred = userCred(ctx.method, kw);
    const same = cred.method === 'root' || cred.name === ident;
    const r = await setUser(ctx.client, cred, { chain: same ? (old.chain ?? null) : null });
    if (ctx.meta) ctx.out.value({ ...withoutSeq(r), ident: String(kw.name) });
    else ctx.out.line(String(kw.name));
    return 0;
  },
  async param(ctx, argv) {
    const o = parseOpts(argv, [{ name: 'new', short: 'n', help: 'ignore previous content' }]);
    const [ident, type, key, ...rest] = o.args;
    if (!ident || !type || !key) throw new UsageError('user param NAME TYPE KEY [k=v...]');
    const path = Path.trusted(['auth', ctx.method, 'user', ident, type]);
    const res = await ctx.client.request('get_internal', { path, nchain: 3 });
    let kw: ValueObject = res.value && typeof res.value === 'object' && !(res.value instanceof Map) ? { ...(res.value as ValueObject) } : {};
    let chain: Value = res.chain ?? null;
    if (o.flag('new') || !('value' in res)) {
      kw = {};
      chain = null;
    }
    let r: ValueObject;
    if (key === '-') {
      if (rest.length) throw new UsageError("You can't set params when deleting");
      r = await ctx.client.request('delete_internal', { path, chain });
    } else {
      kw.key = key;
      Object.assign(kw, splitArgs(rest));
      r = await ctx.client.request('set_internal', { path, chain, value: kw });
    }
    if (ctx.meta) ctx.out.value(r);
    else ctx.out.line(`${ident} ${type} ${key}`);
    return 0;
  },
  async auth(ctx, argv) {
    const o = parseOpts(argv, [{ name: 'auth', short: 'a', nargs: 1, help: 'the login to test (default root)' }]);
    const cred = parseAuth(o.str('auth') ?? 'root');
    if (!(await login(ctx.client, cred))) throw new CliError('the server does not ask for a login');
    ctx.out.line('OK.');
    return 0;
  },
};

const AUTH: Record<string, (ctx: AuthCtx, argv: string[]) => Promise<number>> = {
  async list(ctx) {
    for (const m of ctx.method ? [ctx.method] : await methods(ctx)) ctx.out.line(m);
    return 0;
  },
  async init(ctx, argv) {
    const o = parseOpts(argv, [{ name: 'switch', short: 's', help: 'switch to a different method' }]);
    const cur = await ctx.client.request('get_internal', { path: Path.trusted(['auth']) });
    const has = cur.value && typeof cur.value === 'object' && typeof (cur.value as ValueObject).current === 'string';
    if (has && !o.flag('switch')) throw new UsageError('Authentication is already set up (-s switches)');
    await setAuthType(ctx.client, ctx.method === '-' ? null : ctx.method);
    ctx.out.line(ctx.method === '-' ? 'Authorization turned off.' : `Authorization switched to ${ctx.method}`);
    return 0;
  },
  user: (ctx, argv) => pickSub('auth user', USER, argv[0])(ctx, argv.slice(1)),
};

export const authCommand: Subcommand = async (ctx, argv) => {
  let given: string | undefined;
  let words = argv;
  if (argv[0] === '-m' || argv[0] === '--method') {
    given = argv[1];
    if (given === undefined) throw new UsageError('auth -m needs a METHOD');
    words = argv.slice(2);
  }
  const sub = pickSub('auth', AUTH, words[0]);
  const method = words[0] === 'list' && given === undefined ? '' : await chooseMethod(ctx, given);
  return sub({ ...ctx, method }, words.slice(1));
};

const ACL_LETTERS = new Set('rwdcxena');

function aclPath(name: string, pathText: string, nonEmpty = true): Path {
  const p = Path.parse(pathText);
  if (nonEmpty && !p.length) throw new UsageError('You need a non-empty path.');
  return Path.from(['acl', name, ...p.elements] as PathElement[]);
}

const ACL: Record<string, Subcommand> = {
  async list(ctx) {
    const r = await ctx.client.request('enum_internal', { path: Path.trusted(['acl']), nchain: ctx.meta, empty: true });
    ctx.out.value(ctx.meta ? r : ((r.result as Value) ?? []));
    return 0;
  },
  async dump(ctx, argv) {
    const o = parseOpts(argv, [{ name: 'as-dict', short: 'd', nargs: 1, help: 'structure as a dict, values under this key' }]);
    const [name, p] = o.args;
    if (!name || !p) throw new UsageError('acl dump NAME PATH');
    const path = aclPath(name, p, false);
    const asDict = o.str('as-dict');
    const tree = new Map<Value, Value>();
    for await (const r of ctx.client.getTree(path, { internal: true })) {
      const rel = (r.path as Path).elements.slice(path.length);
      if (!('value' in r)) continue;
      if (asDict === undefined) {
        ctx.out.value([new Map<Value, Value>([[Path.from(rel), r.value as Value]])]);
        continue;
      }
      nestedDict(tree, rel).set(asDict, r.value as Value);
    }
    if (asDict !== undefined) ctx.out.value(tree);
    return 0;
  },
  async get(ctx, argv) {
    const [name, p, ...extra] = argv;
    if (!name || !p || extra.length) throw new UsageError('acl get NAME PATH');
    const r = await ctx.client.request('get_internal', { path: aclPath(name, p), nchain: ctx.meta });
    if (ctx.meta) ctx.out.value(r);
    else if ('value' in r) ctx.out.value(r.value as Value);
    else throw new CliError('No value.');
    return 0;
  },
  async set(ctx, argv) {
    const o = parseOpts(argv, [{ name: 'acl', short: 'a', nargs: 1, help: "the letters; '+' adds, '-' removes (default +x)" }]);
    const [name, p] = o.args;
    if (!name || !p || o.args.length > 2) throw new UsageError('acl set [-a ACL] NAME PATH');
    const path = aclPath(name, p);
    let acl = o.str('acl') ?? '+x';
    let mode = 'x';
    if (acl.length > 1 && '+-'.includes(acl[0]!)) {
      mode = acl[0]!;
      acl = acl.slice(1);
    }
    const want = new Set(acl);
    const bad = [...want].filter((c) => !ACL_LETTERS.has(c));
    if (bad.length) throw new UsageError(`You're trying to set an unknown ACL flag: ${bad.join('')}`);
    const res = await ctx.client.request('get_internal', { path, nchain: ctx.meta ? 3 : 1 });
    const old = typeof res.value === 'string' ? res.value : '';
    const ov = new Set(old);
    let r: ValueObject;
    let v: string;
    if (mode === '-' && !want.size) {
      r = await ctx.client.request('delete_internal', { path, chain: res.chain ?? null });
      v = '-';
    } else {
      const next = mode === '+' ? new Set([...ov, ...want]) : mode === '-' ? new Set([...ov].filter((c) => !want.has(c))) : want;
      v = [...next].join('');
      r = await ctx.client.request('set_internal', { path, value: v, chain: res.chain ?? null });
    }
    ctx.out.value(ctx.meta ? { old, new: v, chain: r.chain ?? null, tock: r.tock ?? null } : { old, new: v });
    return 0;
  },
  async test(ctx, argv) {
    const o = parseOpts(argv, [
      { name: 'mode', short: 'm', nargs: 1, help: 'mode letter to test' },
      { name: 'acl', short: 'a', nargs: 1, help: 'ACL to test (default: the current one)' },
    ]);
    const [p, ...extra] = o.args;
    if (!p || extra.length) throw new UsageError('acl test [-m MODE] [-a ACL] PATH');
    const path = Path.parse(p);
    if (!path.length) throw new UsageError('You need a non-empty path.');
    const mode = o.str('mode');
    if (mode !== undefined && mode.length !== 1) throw new UsageError('Mode must be one letter.');
    const params: ValueObject = { path, nchain: ctx.meta };
    if (mode !== undefined) params.mode = mode;
    if (o.str('acl') !== undefined) params.acl = o.str('acl')!;
    const r = await ctx.client.request('test_acl', params);
    if (ctx.meta) ctx.out.value(r);
    else if (typeof r.access === 'boolean') ctx.out.line(r.access ? '+' : '-');
    else ctx.out.line(String(r.access));
    return 0;
  },
};

export const aclCommand: Subcommand = (ctx, argv) => pickSub('acl', ACL, argv[0])(ctx, argv.slice(1));

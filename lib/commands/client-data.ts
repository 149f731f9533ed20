// `distkv client data PATH [get|list|set|delete|monitor|update]`: DistKV 0.57.4's
// `command/client/data.py` and `data.py` (data_get, node_attr), same options and output.
// One deliberate difference: python's `set -n` is lost (node_attr replaces the missing chain by
// the entry's current one, so -n overwrites); ours sends `chain: None`, so an existing entry
// refuses the write with DistKV's "Entry already exists" error.
import { readFileSync } from 'node:fs';
import { UsageError } from '../args.js';
import { attrDelete, attrUpdate } from '../client/attr-update.js';
import { evalValue } from '../client/value-text.js';
import { dictEntries, isDict, MsgStreamDecoder, type Value, type ValueObject } from '../../store/codec.js';
import { Path } from '../../store/path.js';
import { CliError, nestedDict, pickSub, withoutSeq, type CliContext } from './client-context.js';
import { parseOpts, type OptSpec } from './client-args.js';

const GET: OptSpec[] = [
  { name: 'as-dict', short: 'd', nargs: 1, help: 'structure as a dict, values under this key (default: a list)' },
  { name: 'maxdepth', short: 'm', nargs: 1, help: 'limit the recursion depth' },
  { name: 'mindepth', short: 'M', nargs: 1, help: 'starting depth' },
  { name: 'recursive', short: 'r', help: 'read a complete subtree' },
  { name: 'empty', short: 'e', help: 'include empty nodes' },
  { name: 'raw', short: 'R', help: 'print string values without quotes' },
];
const LIST: OptSpec[] = [
  { name: 'as-dict', short: 'd', nargs: 1, help: 'structure as a dict, values under this key' },
  { name: 'maxdepth', short: 'm', nargs: 1, help: 'limit the recursion depth (default 1)' },
  { name: 'mindepth', short: 'M', nargs: 1, help: 'starting depth (default 1)' },
];
const ATTR: OptSpec[] = [
  { name: 'var', short: 'v', nargs: 2, multiple: true, help: 'NAME VALUE: set NAME (":" = the whole value) to the text VALUE' },
  { name: 'eval', short: 'e', nargs: 2, multiple: true, help: 'NAME EXPR: evaluated (literal or JSON; "-" deletes NAME)' },
  { name: 'path', short: 'p', nargs: 2, multiple: true, help: 'NAME PATH: a path value' },
];
const SET: OptSpec[] = [
  ...ATTR,
  { name: 'last', short: 'l', nargs: 2, help: 'NODE TICK: the change this update replaces' },
  { name: 'new', short: 'n', help: 'the entry must not exist yet' },
];
const DELETE: OptSpec[] = [
  { name: 'prev', short: 'p', nargs: 1, help: 'the current value must be this' },
  { name: 'last', short: 'l', nargs: 2, help: 'NODE TICK: the change this delete replaces' },
  { name: 'recursive', short: 'r', help: 'delete a complete subtree' },
  { name: 'internal', help: 'affect the internal tree. DANGER.' },
  { name: 'eval', short: 'e', help: 'the previous value is evaluated' },
];
const MONITOR: OptSpec[] = [
  { name: 'state', short: 's', help: 'also get the current state' },
  { name: 'only', short: 'o', help: 'value only, nothing fancy' },
  { name: 'ignore', short: 'i', nargs: 1, multiple: true, help: 'skip this (sub)tree' },
];
const UPDATE: OptSpec[] = [{ name: 'infile', short: 'i', nargs: 1, help: 'msgpack file of {path, value} messages' }];

export const DATA_USAGE = `data PATH [get|list|set|delete|monitor|update] [options]
  get      ${GET.map((o) => `-${o.short}`).join(' ')}
  list     -d KEY -m N -M N
  set      -v NAME TEXT | -e NAME EXPR | -p NAME PATH (repeatable; NAME ":" = the whole value), -l NODE TICK, -n
  delete   -p PREV [-e], -l NODE TICK, -r, --internal
  monitor  -s, -o, -i PATH
  update   -i FILE`;

function chainArg(last: string[] | undefined): ValueObject | undefined {
  if (!last) return undefined;
  if (!/^-?\d+$/.test(last[1]!)) throw new UsageError(`--last NODE TICK: '${last[1]}' is not a tick number`);
  return { node: last[0]!, tick: Number(last[1]) };
}

/** Depths: python passes max_depth only when >= 0 and min_depth only when non-zero. */
interface TreeOpts {
  asDict?: string;
  maxDepth?: number;
  minDepth?: number;
  empty?: boolean;
  raw?: boolean;
  internal?: boolean;
}

/** python `data_get`, recursive part. */
async function getTree(ctx: CliContext, path: Path, o: TreeOpts): Promise<void> {
  const p: ValueObject = { path };
  if (o.maxDepth !== undefined && o.maxDepth >= 0) p.max_depth = o.maxDepth;
  if (o.minDepth) p.min_depth = o.minDepth;
  if (o.empty) p.empty = true;
  if (ctx.meta) p.nchain = ctx.meta;
  const items = ctx.client.getTree(path, { ...treeParams(p), ...(o.internal ? { internal: true } : {}) });
  const tree = new Map<Value, Value>();
  for await (const r0 of items) {
    const r = withoutSeq(r0);
    const rp = r.path as Path;
    delete r.path;
    const rel = rp.elements.slice(path.length);
    const item: Value | undefined = ctx.meta ? r : 'value' in r ? r.value : o.empty ? null : undefined;
    if (o.asDict !== undefined) {
      const node = nestedDict(tree, rel);
      if (item !== undefined) node.set(o.asDict, item);
      continue;
    }
    if (item === undefined) continue;
    const relPath = Path.from(rel);
    ctx.out.value([o.raw ? relPath : new Map<Value, Value>([[relPath, item]])]);
  }
  if (o.asDict !== undefined) ctx.out.value(o.maxDepth !== undefined ? (simplex(tree, o.asDict) ?? {}) : tree);
}

function treeParams(p: ValueObject): { nchain?: number; minDepth?: number; maxDepth?: number; empty?: boolean } {
  return {
    ...(p.nchain ? { nchain: p.nchain as number } : {}),
    ...(p.min_depth !== undefined ? { minDepth: p.min_depth as number } : {}),
    ...(p.max_depth !== undefined ? { maxDepth: p.max_depth as number } : {}),
    ...(p.empty ? { empty: true } : {}),
  };
}

/** python's `simplex`: drop `KEY: None` leaves, and dicts left holding only that. */
function simplex(d: Map<Value, Value>, key: string): Map<Value, Value> | null {
  for (const [k, v] of d) if (v instanceof Map) d.set(k, simplex(v, key));
  if (d.has(key) && d.get(key) === null) {
    if (d.size === 1) return null;
    d.delete(key);
  }
  return d;
}

async function get(ctx: CliContext, path: Path, argv: string[]): Promise<number> {
  const o = parseOpts(argv, GET);
  if (o.args.length) throw new UsageError(`get: unexpected '${o.args[0]}'`);
  if (o.flag('recursive')) {
    await getTree(ctx, path, {
      asDict: o.str('as-dict'),
      maxDepth: o.int('maxdepth'),
      minDepth: o.int('mindepth'),
      empty: o.flag('empty'),
      raw: o.flag('raw'),
    });
    return 0;
  }
  return getOne(ctx, path, o.flag('raw'));
}

async function getOne(ctx: CliContext, path: Path, raw: boolean): Promise<number> {
  const r = await ctx.client.get(path, { nchain: ctx.meta });
  if (ctx.meta) {
    ctx.out.value(r);
    return 0;
  }
  if (!('value' in r)) throw new CliError(`No data at ${path.toString()}`);
  const v = r.value as Value;
  if (raw && typeof v === 'string') ctx.out.line(v);
  else if (raw && v instanceof Uint8Array) ctx.out.line(Buffer.from(v).toString('latin1'));
  else ctx.out.value(v);
  return 0;
}

async function list(ctx: CliContext, path: Path, argv: string[]): Promise<number> {
  const o = parseOpts(argv, LIST);
  if (o.args.length) throw new UsageError(`list: unexpected '${o.args[0]}'`);
  await getTree(ctx, path, { asDict: o.str('as-dict'), maxDepth: o.int('maxdepth') ?? 1, minDepth: o.int('mindepth') ?? 1, empty: true, raw: true });
  return 0;
}

const DELETE_ME = Symbol('delete');

/** python `process_args`: the new value from -v/-e/-p, applied to the old one. */
export function processArgs(old: Value | undefined, vars: string[][], evals: string[][], paths: string[][]): Value | undefined {
  let val = old;
  let n = 0;
  const items: [Path, Value | typeof DELETE_ME][] = [
    ...vars.map(([k, v]): [Path, Value] => [Path.parse(k!), v!]),
    ...evals.map(([k, v]): [Path, Value | typeof DELETE_ME] => [Path.parse(k!), v === '-' ? DELETE_ME : evalValue(v!)]),
    ...paths.map(([k, v]): [Path, Value] => [Path.parse(k!), Path.parse(v!)]),
  ];
  for (const [k, v] of items) {
    if (k.length === 0) {
      if (n) throw new UsageError('Setting a single value conflicts.');
      val = v === DELETE_ME ? undefined : v;
      n = -1;
    } else if (n < 0) throw new UsageError('Setting a single value conflicts.');
    else {
      val = v === DELETE_ME ? attrDelete(val, k.elements) : attrUpdate(val, k.elements, v);
      n++;
    }
  }
  return val;
}

/** python `set_` + `node_attr`: read the entry, edit its value, write it back against its chain. */
async function set(ctx: CliContext, path: Path, argv: string[]): Promise<number> {
  const o = parseOpts(argv, SET);
  if (o.args.length) throw new UsageError(`set: unexpected '${o.args[0]}'`);
  if (o.flag('new') && o.tuple('last')) throw new UsageError("'new' and 'last' are mutually exclusive");
  if (!o.all('var').length && !o.all('eval').length && !o.all('path').length) throw new UsageError('set needs -v NAME VALUE, -e NAME EXPR or -p NAME PATH (NAME ":" is the whole value)');
  const res = await ctx.client.get(path, { nchain: ctx.meta || 2 });
  let chain: Value | undefined = o.flag('new') ? null : (chainArg(o.tuple('last')) ?? res.chain);
  const had = 'value' in res;
  if (!had && !o.flag('new')) chain = null;
  const val = processArgs(had ? (res.value as Value) : undefined, o.all('var'), o.all('eval'), o.all('path'));
  const opts = { nchain: ctx.meta, ...(chain !== undefined ? { chain } : {}) };
  const r = val === undefined ? await ctx.client.delete(path, opts) : await ctx.client.set(path, val, opts);
  if (ctx.meta) ctx.out.value(r);
  return 0;
}

async function del(ctx: CliContext, path: Path, argv: string[]): Promise<number> {
  const o = parseOpts(argv, DELETE);
  if (o.args.length) throw new UsageError(`delete: unexpected '${o.args[0]}'`);
  const prev = o.str('prev');
  const last = chainArg(o.tuple('last'));
  if (o.flag('eval') && prev === undefined) throw new UsageError('You need to add a value that can be evaluated');
  if (o.flag('recursive')) {
    if (prev !== undefined || last) throw new UsageError("You can't use a prev value when deleting recursively.");
    if (o.flag('internal')) throw new UsageError("'internal' and 'recursive' are mutually exclusive");
    const r = await ctx.client.deleteTree(path, { nchain: ctx.meta });
    if (ctx.meta) {
      if (Array.isArray(r.stream)) for (const x of r.stream as ValueObject[]) ctx.out.value(x);
      else ctx.out.value(r);
    }
    return 0;
  }
  const params: ValueObject = { path, nchain: ctx.meta };
  if (prev !== undefined) params.prev = o.flag('eval') ? evalValue(prev) : prev;
  if (last) params.chain = last;
  const r = await ctx.client.request(o.flag('internal') ? 'delete_internal' : 'delete_value', params);
  if (ctx.meta) ctx.out.value(r);
  return 0;
}

function pyTime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** python `monitor`: one YAML document per change, `---` between; runs until the server or a signal ends it. */
async function monitor(ctx: CliContext, path: Path, argv: string[]): Promise<number> {
  const o = parseOpts(argv, MONITOR);
  if (o.args.length) throw new UsageError(`monitor: unexpected '${o.args[0]}'`);
  const state = o.flag('state');
  const only = o.flag('only');
  const ignore = o.all('ignore').map(([p]) => Path.parse(p!));
  const w = ctx.client.watch(path, { nchain: ctx.meta, fetch: state, maxDepth: only ? 0 : -1 });
  const stop = (): void => void w.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let flushing = !state;
  let seen = false;
  try {
    for await (const r0 of w) {
      const r = withoutSeq(r0);
      if (r.path instanceof Path && ignore.some((p) => (r.path as Path).elements.length >= p.length && p.elements.every((e, i) => (r.path as Path).elements[i] === e))) continue;
      if (r.state === 'uptodate') {
        if (only && !seen) return 0;
        flushing = true;
      } else if (only) {
        if ('value' in r) ctx.out.line(typeof r.value === 'string' ? r.value : JSON.stringify(r.value));
        continue;
      }
      if (flushing) {
        const now = new Date();
        r.time = now.getTime() / 1000;
        r._time = pyTime(now);
      }
      ctx.out.streamItem(r);
      seen = true;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}

/** python `update -i FILE`: each `{path, value}` message of a msgpack file set below PATH. */
async function update(ctx: CliContext, path: Path, argv: string[]): Promise<number> {
  const o = parseOpts(argv, UPDATE);
  const file = o.str('infile') ?? o.args[0];
  if (!file) throw new UsageError('update needs -i FILE');
  const msgs = new MsgStreamDecoder({ what: file }).push(readFileSync(file));
  let n = 0;
  for (const m of msgs) {
    if (!isDict(m)) continue;
    const d = new Map(dictEntries(m));
    const p = d.get('path');
    if (!(p instanceof Path) && !Array.isArray(p)) continue;
    await ctx.client.set(path.concat(p instanceof Path ? p : Path.from(p as never)), (d.get('value') ?? null) as Value);
    n++;
  }
  ctx.err(`${n} entries set\n`);
  return 0;
}

const DATA: Record<string, (ctx: CliContext, path: Path, argv: string[]) => Promise<number>> = {
  get,
  list,
  set,
  delete: del,
  monitor,
  update,
};

/** `data PATH [command] ...`; no command = get. */
export async function dataCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const [pathText, word, ...rest] = argv;
  if (pathText === undefined) throw new UsageError('data needs a PATH (":" is the root)');
  let path: Path;
  try {
    path = Path.parse(pathText);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (word === undefined) return getOne(ctx, path, false);
  return pickSub('data', DATA, word)(ctx, path, rest);
}

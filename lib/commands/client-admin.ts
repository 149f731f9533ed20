// `distkv client log dest|save|stop` and `distkv client internal state|dump|get|enum|kill|deleter|mark`
// (DistKV's `command/client/log.py` and `internal.py`, same options and output).
import { UsageError } from '../args.js';
import { RangeSet } from '../../store/range-set.js';
import type { Value, ValueObject } from '../../store/codec.js';
import { Path } from '../../store/path.js';
import { nestedDict, pickSub, type CliContext, type Subcommand } from './client-context.js';
import { parseOpts, type OptSpec } from './client-args.js';

export const ADMIN_USAGE = `log dest [-i] FILE | log save [-f] FILE | log stop
internal state [-n -d -m -r -p -s -a] | dump PATH | get NODE TICK | enum NODE [-n NUM] [-c] | kill NODE | deleter [-d] [NODE...]
  | mark [-d] [-n SOURCE] [-b] NODE [TICK...]`;

function args(argv: string[], specs: OptSpec[], n: number, what: string): ReturnType<typeof parseOpts> {
  const o = parseOpts(argv, specs);
  if (o.args.length !== n) throw new UsageError(`${what}: needs ${n} argument${n === 1 ? '' : 's'}, got ${o.args.length}`);
  return o;
}

async function result(ctx: CliContext, r: Promise<ValueObject>): Promise<number> {
  const res = await r;
  if (ctx.meta) ctx.out.value(res);
  return 0;
}

const LOG: Record<string, Subcommand> = {
  dest: (ctx, argv) => {
    const o = args(argv, [{ name: 'incremental', short: 'i', help: "don't write the initial state" }], 1, 'log dest');
    return result(ctx, ctx.client.request('log', { path: o.args[0]!, fetch: !o.flag('incremental') }));
  },
  save: (ctx, argv) => {
    const o = args(argv, [{ name: 'full', short: 'f', help: 'also dump internal state' }], 1, 'log save');
    return result(ctx, ctx.client.request('save', { path: o.args[0]!, full: o.flag('full') }));
  },
  stop: (ctx, argv) => {
    args(argv, [], 0, 'log stop');
    return result(ctx, ctx.client.request('log'));
  },
};

export const logCommand: Subcommand = (ctx, argv) => pickSub('log', LOG, argv[0])(ctx, argv.slice(1));

const STATE: OptSpec[] = [
  { name: 'nodes', short: 'n', help: 'node status' },
  { name: 'deleted', short: 'd', help: 'deletion status' },
  { name: 'missing', short: 'm', help: 'missing-node status' },
  { name: 'remote-missing', short: 'r', help: 'remote-missing-node status' },
  { name: 'present', short: 'p', help: 'known-data status' },
  { name: 'superseded', short: 's', help: 'superseded-data status' },
  { name: 'known', short: 'k', help: 'same as -s' },
  { name: 'all', short: 'a', help: 'all of it' },
];

/** get_state, printed as python's CLI does: the server's `known` is shown as `superseded`. */
async function stateReply(ctx: CliContext, flags: ValueObject): Promise<ValueObject> {
  const res = { ...(await ctx.client.request('get_state', flags)) };
  if ('known' in res) {
    res.superseded = res.known!;
    delete res.known;
  }
  return res;
}

/** The actor's deleter list (python `internal deleter`). */
const DELETER = Path.trusted(['actor', 'del']);

const INTERNAL: Record<string, Subcommand> = {
  async state(ctx, argv) {
    const o = args(argv, STATE, 0, 'internal state');
    const f: ValueObject = {};
    const all = o.flag('all');
    for (const k of ['nodes', 'deleted', 'missing', 'present', 'superseded'] as const) if (all || o.flag(k)) f[k] = true;
    if (all || o.flag('remote-missing')) f.remote_missing = true;
    if (o.flag('known')) f.superseded = true;
    ctx.out.value(await stateReply(ctx, f));
    return 0;
  },
  async dump(ctx, argv) {
    const o = args(argv, [], 1, 'internal dump');
    const path = Path.parse(o.args[0]!);
    const y = new Map<Value, Value>();
    for await (const r of ctx.client.getTree(path, { internal: true })) {
      if ('value' in r) nestedDict(y, (r.path as Path).elements.slice(path.length)).set('_', r.value as Value);
      else nestedDict(y, (r.path as Path).elements.slice(path.length));
    }
    ctx.out.value(y);
    return 0;
  },
  async get(ctx, argv) {
    const o = args(argv, [], 2, 'internal get');
    const tick = Number(o.args[1]);
    if (!Number.isSafeInteger(tick)) throw new UsageError(`internal get NODE TICK: '${o.args[1]}' is not a number`);
    const res = await ctx.client.request('get_value', { node: o.args[0]!, tick, nchain: 99 });
    ctx.out.value(ctx.meta ? res : ((res.value as Value | undefined) ?? null));
    return 0;
  },
  async enum(ctx, argv) {
    const o = args(
      argv,
      [
        { name: 'num', short: 'n', nargs: 1, help: 'at most this many' },
        { name: 'current', short: 'c', help: 'only IDs with current data' },
      ],
      1,
      'internal enum',
    );
    const res = await ctx.client.request('enum_node', { node: o.args[0]!, max: o.int('num') ?? null, current: o.flag('current') });
    if (ctx.meta) ctx.out.value(res);
    else for (const k of (res.result as Value[]) ?? []) ctx.out.line(String(k));
    return 0;
  },
  kill: (ctx, argv) => {
    const o = args(argv, [], 1, 'internal kill');
    return result(ctx, ctx.client.request('kill_node', { node: o.args[0]! }));
  },
  /**
   * python `internal mark` (dangerous): count ticks as superseded (or, -d, deleted) by a fake info
   * message; without ticks, all of NODE's missing ones ("" = every node's). -b also broadcasts it.
   */
  async mark(ctx, argv) {
    const o = parseOpts(argv, [
      { name: 'deleted', short: 'd', help: 'mark as deleted (default: superseded)' },
      { name: 'node', short: 'n', nargs: 1, help: 'the node this message is faked as being from' },
      { name: 'broadcast', short: 'b', help: 'send to all servers' },
    ]);
    const [node, ...items] = o.args;
    if (node === undefined) throw new UsageError('internal mark: needs NODE');
    const k = o.flag('deleted') ? 'deleted' : 'superseded';
    let ranges: ValueObject;
    if (!items.length) {
      const miss = ((await ctx.client.request('get_state', { missing: true })).missing ?? {}) as ValueObject;
      ranges = node === '' ? miss : { [node]: miss[node] ?? [] };
    } else if (node === '') throw new UsageError("internal mark: you can't give ticks with an empty node");
    else {
      const r = new RangeSet();
      for (const i of items) {
        const t = Number(i);
        if (!Number.isSafeInteger(t) || t < 0) throw new UsageError(`internal mark: '${i}' is not a tick`);
        r.add(t);
      }
      ranges = { [node]: r.toWire() as Value };
    }
    const msg = { [k]: ranges, node: o.str('node') ?? '?' };
    await ctx.client.request('fake_info', msg);
    if (o.flag('broadcast')) await ctx.client.request('fake_info_send', msg);
    ctx.out.value(await stateReply(ctx, { [k]: true }));
    return 0;
  },
  async deleter(ctx, argv) {
    const o = parseOpts(argv, [{ name: 'delete', short: 'd', help: 'remove these nodes' }]);
    const nodes = o.args;
    const del = o.flag('delete');
    const res = await ctx.client.request('get_internal', { path: DELETER, nchain: del || nodes.length ? 3 : 2 });
    const v = res.value;
    const cur = new Set<string>(
      (Array.isArray(v) ? v : v && typeof v === 'object' && !(v instanceof Map) && Array.isArray((v as ValueObject).nodes) ? ((v as ValueObject).nodes as Value[]) : []).map(String),
    );
    let next: Set<string>;
    if (del) next = nodes.length ? new Set([...cur].filter((n) => !nodes.includes(n))) : new Set();
    else if (nodes.length) next = new Set([...cur, ...nodes]);
    else {
      ctx.out.value(res);
      return 0;
    }
    const value: ValueObject = { nodes: [...next] };
    const r = await ctx.client.request('set_internal', { path: DELETER, chain: res.chain ?? null, value });
    ctx.out.value({ ...r, value });
    return 0;
  },
};

export const internalCommand: Subcommand = (ctx, argv) => pickSub('internal', INTERNAL, argv[0])(ctx, argv.slice(1));

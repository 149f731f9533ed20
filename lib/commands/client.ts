// `distkv client [-h HOST] [-p PORT] [-m] data PATH get|set|delete|list|monitor`: the basic forms
// of DistKV's CLI, with its output (YAML, `!P` paths) where that was cheap.
import { parseArgs, UsageError, type FlagSpec } from '../args.js';
import { DistkvClient, ServerError } from '../client/client.js';
import { evalValue } from '../client/value-text.js';
import { yamlOut } from '../client/yaml-out.js';
import type { Value, ValueObject } from '../../store/codec.js';
import { Path } from '../../store/path.js';

const GLOBAL: Record<string, FlagSpec> = {
  host: { type: 'string', aliases: ['h'], help: 'server host (default 127.0.0.1)' },
  port: { type: 'string', aliases: ['p'], help: 'server port (default 27586)' },
  metadata: { type: 'bool', aliases: ['m'], help: 'include metadata (chains, tocks)' },
  help: { type: 'bool' },
};

const DATA: Record<string, FlagSpec> = {
  value: { type: 'string', aliases: ['v'], help: 'set: the value, as text (python: -v : VALUE; give ":" then the value)' },
  eval: { type: 'string', aliases: ['e'], help: 'set: the value, evaluated (literal or JSON)' },
  recursive: { type: 'bool', aliases: ['r'], help: 'get: the whole subtree' },
  'as-dict': { type: 'string', aliases: ['d'], help: 'get -r: nest as a dict, values under this key' },
  maxdepth: { type: 'string', aliases: ['m'], help: 'get -r: depth limit' },
  mindepth: { type: 'string', aliases: ['M'], help: 'get -r: starting depth' },
  new: { type: 'bool', aliases: ['n'], help: 'set: the entry must not exist' },
  last: { type: 'list', aliases: ['l'], help: 'set/delete: the chain head must be NODE TICK' },
  prev: { type: 'string', help: 'delete: the current value must be this' },
  state: { type: 'bool', aliases: ['s'], help: 'monitor: the current state first' },
  help: { type: 'bool' },
};

function usage(): string {
  return `usage: distkv client [-h HOST] [-p PORT] [-m] data PATH [get [-r] [-d KEY] | set -v : VALUE | set -e : EXPR | delete | list | monitor [-s]]\n`;
}

export async function run(argv: string[]): Promise<number> {
  // global flags come before the subcommand, as in python's CLI
  const sub = argv.findIndex((a) => a === 'data');
  if (sub < 0 || argv.includes('--help') && argv.indexOf('--help') < sub) {
    process.stdout.write(usage());
    return sub < 0 ? 2 : 0;
  }
  let g;
  try {
    g = parseArgs(argv.slice(0, sub), GLOBAL);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage()}`);
    return 2;
  }
  const rest = argv.slice(sub + 1);
  const pathText = rest[0];
  const action = rest[1] && !rest[1].startsWith('-') ? rest[1] : 'get';
  const argsStart = rest[1] === action ? 2 : 1;
  if (!pathText) {
    process.stderr.write(usage());
    return 2;
  }
  let d;
  let path: Path;
  try {
    // python's `set -v : VALUE`: the ':' is the attribute path (the whole value); only that form here
    const cleaned = rest.slice(argsStart).filter((a, i, arr) => !(a === ':' && (arr[i - 1] === '-v' || arr[i - 1] === '-e')));
    // python's click accepts bundled short flags (-rd _): split them
    const expanded = cleaned.flatMap((a) => (/^-[a-zA-Z]{2,}$/.test(a) ? [...a.slice(1)].map((c) => `-${c}`) : [a]));
    d = parseArgs(expanded, DATA);
    path = Path.parse(pathText);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage()}`);
    return 2;
  }
  const meta = !!g.flags.get('metadata');
  let client: DistkvClient;
  try {
    client = await DistkvClient.connect({ host: (g.flags.get('host') as string) ?? '127.0.0.1', port: Number(g.flags.get('port') ?? 27586) });
  } catch (e) {
    process.stderr.write(`distkv client: ${(e as Error).message}\n`);
    return 1;
  }
  const out = (v: Value): void => void process.stdout.write(yamlOut(v));
  try {
    const f = d.flags;
    switch (action) {
      case 'get': {
        if (!f.get('recursive')) {
          const r = await client.get(path, { nchain: meta ? 1 : 0 });
          if (meta) out(r);
          else if (!('value' in r)) {
            process.stderr.write(`No data at ${path.toString()}\n`);
            return 1;
          } else out(r.value as Value);
          return 0;
        }
        const asDict = f.get('as-dict') as string | undefined;
        const opts = { maxDepth: f.has('maxdepth') ? Number(f.get('maxdepth')) : undefined, minDepth: f.has('mindepth') ? Number(f.get('mindepth')) : undefined, nchain: meta ? 1 : 0 };
        const tree: ValueObject = {};
        const list: Value[] = [];
        for await (const r of client.getTree(path, opts)) {
          const p = r.path as Path;
          const rel = p.elements.slice(path.length);
          const item = meta ? (({ seq: _s, path: _p, ...x }) => x)(r) : (r.value as Value);
          if (asDict === undefined) {
            list.push(new Map<Value, Value>([[p.slice(path.length), item as Value]]));
            continue;
          }
          let node = tree;
          for (const el of rel) node = (node[String(el)] ??= {}) as ValueObject;
          node[asDict] = item as Value;
        }
        if (asDict === undefined) for (const x of list) out([x]);
        else out(tree);
        return 0;
      }
      case 'list': {
        for await (const r of client.getTree(path, { minDepth: 1, maxDepth: 1, empty: true })) out([(r.path as Path).slice(path.length)]);
        return 0;
      }
      case 'set': {
        let value: Value;
        if (f.has('value')) value = f.get('value') as string;
        else if (f.has('eval')) value = evalValue(f.get('eval') as string);
        else throw new UsageError('set needs -v VALUE or -e EXPR');
        const opts: { chain?: Value; nchain: number } = { nchain: meta ? 1 : 0 };
        const last = f.get('last') as string[] | undefined;
        if (f.get('new')) opts.chain = null;
        else if (last) opts.chain = { node: last[0]!, tick: Number(last[1]) };
        const r = await client.set(path, value, opts);
        if (meta) out(r);
        return 0;
      }
      case 'delete': {
        const opts: { prev?: Value; nchain: number } = { nchain: meta ? 1 : 0 };
        if (f.has('prev')) opts.prev = f.get('prev') as string;
        const r = await client.delete(path, opts);
        if (meta) out(r);
        return 0;
      }
      case 'monitor': {
        const w = client.watch(path, { fetch: !!f.get('state'), nchain: meta ? 1 : 0 });
        const stop = (): void => client.close();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          for await (const r of w) {
            const { seq: _s, ...x } = r;
            process.stdout.write(yamlOut(x as Value) + '---\n');
          }
        } catch {
          // closed by a signal or by the server
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown data command '${action}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${usage()}`);
      return 2;
    }
    process.stderr.write(`distkv client: ${e instanceof ServerError ? 'server error: ' : ''}${(e as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

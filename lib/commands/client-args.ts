// Options of `distkv client` subcommands as DistKV's click CLI takes them: short and long
// spellings, flags that take two values (`-v NAME VALUE`, `-l NODE TICK`), repeatable options,
// bundled short flags (`-rd _`), `--opt=value`, then positional arguments. A typo is an error.
import { UsageError } from '../args.js';

export interface OptSpec {
  /** Key in the result, also the long spelling (`--as-dict`). */
  name: string;
  short?: string;
  /** Values it takes: 0 = a flag. */
  nargs?: 0 | 1 | 2;
  multiple?: boolean;
  help: string;
}

export class Opts {
  constructor(
    private readonly values: Map<string, string[][]>,
    readonly args: string[],
  ) {}

  flag(name: string): boolean {
    return this.values.has(name);
  }

  /** The last value given for a one-value option. */
  str(name: string): string | undefined {
    return this.values.get(name)?.at(-1)?.[0];
  }

  int(name: string): number | undefined {
    const s = this.str(name);
    if (s === undefined) return undefined;
    if (!/^-?\d+$/.test(s)) throw new UsageError(`--${name} needs an integer, not '${s}'`);
    return Number(s);
  }

  /** Every occurrence, each with its values. */
  all(name: string): string[][] {
    return this.values.get(name) ?? [];
  }

  /** The values of the last occurrence. */
  tuple(name: string): string[] | undefined {
    return this.values.get(name)?.at(-1);
  }
}

export function parseOpts(argv: readonly string[], specs: readonly OptSpec[]): Opts {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const values = new Map<string, string[][]>();
  const args: string[] = [];
  const take = (s: OptSpec, first: string | undefined, i: number): number => {
    const n = s.nargs ?? 0;
    const got: string[] = first === undefined ? [] : [first];
    while (got.length < n) {
      if (i + 1 >= argv.length) throw new UsageError(`option ${s.short ? `-${s.short}/` : ''}--${s.name} needs ${n} value${n > 1 ? 's' : ''}`);
      got.push(argv[++i]!);
    }
    const prev = s.multiple ? (values.get(s.name) ?? []) : [];
    values.set(s.name, [...prev, got]);
    return i;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const key = a.slice(2, eq >= 0 ? eq : undefined);
      const s = byLong.get(key);
      if (!s) throw new UsageError(`no such option: --${key}`);
      if (eq >= 0 && (s.nargs ?? 0) !== 1) throw new UsageError(`option --${key} does not take '=value'`);
      i = take(s, eq >= 0 ? a.slice(eq + 1) : undefined, i);
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      // bundled short flags; a value-taking one consumes the rest of the word or the next words
      for (let j = 1; j < a.length; j++) {
        const s = byShort.get(a[j]!);
        if (!s) throw new UsageError(`no such option: -${a[j]}`);
        if ((s.nargs ?? 0) === 0) {
          take(s, undefined, i);
          continue;
        }
        const rest = a.slice(j + 1);
        i = take(s, rest.length ? rest : undefined, i);
        break;
      }
      continue;
    }
    args.push(a);
  }
  return new Opts(values, args);
}

/** One usage line per option, for --help. */
export function optHelp(specs: readonly OptSpec[]): string {
  return specs
    .map((s) => {
      const names = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.nargs === 2 ? ' A B' : s.nargs === 1 ? ' X' : ''}`;
      return `  ${names.padEnd(26)} ${s.help}`;
    })
    .join('\n');
}

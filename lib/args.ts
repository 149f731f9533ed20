// Command-line flags in both Go style (`-bind=x`, `-bind x`) and GNU style (`--bind=x`), as Serf's
// and DistKV's users type them. Flags are declared so a typo is an error, not a silent default.

export interface FlagSpec {
  /** 'bool' flags take no value (`-x`, or `-x=false`); 'list' flags may repeat. */
  type: 'string' | 'bool' | 'list';
  /** Other spellings, e.g. short forms: ['I'] for --init. */
  aliases?: string[];
  help?: string;
}

export interface ParsedArgs {
  flags: Map<string, string | boolean | string[]>;
  positional: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const byName = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) {
    byName.set(name, name);
    for (const a of s.aliases ?? []) byName.set(a, name);
  }
  const flags = new Map<string, string | boolean | string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const key = eq >= 0 ? body.slice(0, eq) : body;
    const name = byName.get(key);
    if (!name) throw new UsageError(`unknown flag ${arg}`);
    const s = spec[name]!;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (s.type === 'bool') {
      flags.set(name, value === undefined ? true : !['false', '0', 'no'].includes(value));
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag ${arg} needs a value`);
      value = argv[++i]!;
    }
    if (s.type === 'list') {
      const prev = (flags.get(name) as string[] | undefined) ?? [];
      flags.set(name, [...prev, value]);
    } else {
      flags.set(name, value);
    }
  }
  return { flags, positional };
}

/** "60s", "1.5m", "200ms", "2h" or a bare number of milliseconds → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`bad duration '${text}' (e.g. 200ms, 60s, 2m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
}

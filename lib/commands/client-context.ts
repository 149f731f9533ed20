// What every `distkv client` subcommand gets: the connected client, DistKV's `-m` metadata flag
// (python `obj.meta`: 3 = nchain 3, else 0), the printer, and stderr.
import type { DistkvClient } from '../client/client.js';
import type { Printer } from '../client/output.js';
import type { Value, ValueObject } from '../../store/codec.js';
import type { PathElement } from '../../store/path.js';
import { UsageError } from '../args.js';

export interface CliContext {
  client: DistkvClient;
  /** python `obj.meta`: 3 with `-m`, else 0 (used as nchain). */
  meta: number;
  out: Printer;
  err(text: string): void;
}

/** A subcommand: its arguments after the group word; returns the exit code. */
export type Subcommand = (ctx: CliContext, argv: string[]) => Promise<number>;

/** A failure to report in one line, exit 1 (a missing value, a refused condition...). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/** A reply without the protocol's bookkeeping (python's CLI deletes `seq` before printing). */
export function withoutSeq(r: ValueObject): ValueObject {
  const { seq: _s, ...rest } = r;
  return rest;
}

/** Picks the subcommand word, or throws a usage error listing them. */
export function pickSub<T>(group: string, table: Record<string, T>, word: string | undefined): T {
  if (word && Object.hasOwn(table, word)) return table[word]!;
  throw new UsageError(`${group}: ${word ? `no such command '${word}'` : 'a command is needed'}; one of: ${Object.keys(table).join(', ')}`);
}


/** The dict at `rel` below `tree`, created on the way (python's `yy = yy.setdefault(p, {})` loop). */
export function nestedDict(tree: Map<Value, Value>, rel: readonly PathElement[]): Map<Value, Value> {
  let node = tree;
  for (const el of rel) {
    let next = node.get(el as Value);
    if (!(next instanceof Map)) node.set(el as Value, (next = new Map()));
    node = next as Map<Value, Value>;
  }
  return node;
}

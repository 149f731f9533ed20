// DistKV's `update` message both ways (python `UpdateEvent.serialize`/`deserialize`).
// Two forms arrive: the broadcast form with the chain inlined at top level
// (`{node, tick, prev, path, value?, tock}`) and the entry form used by re-sends, get_tree
// records and saved files (`{path, value?, chain: {node, tick, prev}, tock}`); a `chain` key
// wins over top-level node/tick (a re-sender adds its own node/tick there).
import { DecodeError } from '../gossip/decode-error.js';
import { type Chain, type ChainNode, type ChainWire, chainFromWire, chainToWire, get, has, isMap } from './chain.js';
import type { Value } from './codec-value.js';
import { NOT_GIVEN, type Stored } from './entry.js';
import { Path, isPathElement } from './path.js';

export interface ParsedUpdate<N extends ChainNode> {
  path: Path;
  chain: Chain<N>;
  value: Stored;
  /** Only the `with_old` form (delete_tree streams) carries it. */
  old: Stored;
  tock: number | undefined;
}

/** Decodes a path sent as a Path (ext 3) or a plain list of elements. */
export function pathFromWire(x: unknown, what = 'path'): Path {
  if (x instanceof Path) return x;
  if (Array.isArray(x)) {
    for (const el of x) if (!isPathElement(el)) throw new DecodeError(`${what}: bad path element`, undefined, what);
    return Path.trusted([...x]);
  }
  throw new DecodeError(`${what}: expected a path`, undefined, what);
}

/**
 * Python `UpdateEvent.deserialize`, minus its crashes: no chain, a non-map message or a bad
 * path/tock is a DecodeError. `intern` turns a node name into the store's node record.
 */
export function parseUpdate<N extends ChainNode>(msg: unknown, intern: (name: string) => N, what = 'update'): ParsedUpdate<N> {
  if (!isMap(msg)) throw new DecodeError(`${what}: expected a map`, undefined, what);
  const path = pathFromWire(get(msg, 'path'), `${what} path`);
  let value: Stored = NOT_GIVEN;
  let old: Stored = NOT_GIVEN;
  if (has(msg, 'value')) value = get(msg, 'value') as Value;
  else if (has(msg, 'new_value')) {
    value = get(msg, 'new_value') as Value;
    if (has(msg, 'old_value')) old = get(msg, 'old_value') as Value;
  }
  const t = get(msg, 'tock');
  let tock: number | undefined;
  if (t !== undefined && t !== null) {
    if (typeof t === 'bigint' && t <= BigInt(Number.MAX_SAFE_INTEGER)) tock = Number(t);
    else if (typeof t === 'number' && Number.isSafeInteger(t)) tock = t;
    else throw new DecodeError(`${what}: tock must be an integer`, undefined, what);
  }
  // last: interning creates node records, so everything else must have passed
  const chainSrc = has(msg, 'chain') ? get(msg, 'chain') : msg;
  const chain = chainFromWire(chainSrc, intern, `${what} chain`);
  if (!chain) throw new DecodeError(`${what}: no chain`, undefined, what);
  return { path, chain, value, old, tock };
}

/** The broadcast form (`{node, tick, prev?, path, value?, tock}`), as python's watcher sends it. */
export interface UpdateWire extends ChainWire {
  path: Path;
  value?: Value;
  tock: number;
}

export function updateToWire(chain: Chain, path: Path, value: Stored, tock: number, nchain = 5, chopPath = 0): UpdateWire {
  const res = chainToWire(chain, nchain) as UpdateWire;
  res.path = chopPath > 0 ? path.slice(chopPath) : path;
  if (value !== NOT_GIVEN) res.value = value;
  res.tock = tock;
  return res;
}

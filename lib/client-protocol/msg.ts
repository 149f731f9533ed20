// Reading fields of client requests. Requests arrive as decoded msgpack maps (a plain object,
// or a Map when some key is not a string); every accessor checks the type, so a wrong type is a
// RequestError (sent back as `{seq, error}`), never a crash and never a half-applied change.
import { dictGet, isDict, type Value } from '../../store/codec.js';
import { Path, isPathElement } from '../../store/path.js';

/** A request the server refuses; its message goes to the client as `{seq, error}`. */
export class RequestError extends Error {
  override name = 'RequestError';
}

type Dict = Map<Value, Value> | { [k: string]: Value };

export class Request {
  constructor(readonly raw: Dict) {}

  static from(v: Value): Request | undefined {
    return isDict(v) ? new Request(v) : undefined;
  }

  has(key: string): boolean {
    return this.raw instanceof Map ? this.raw.has(key) : Object.prototype.hasOwnProperty.call(this.raw, key);
  }

  get(key: string): Value | undefined {
    return dictGet(this.raw, key);
  }

  /** python truthiness of an optional flag (absent = false). */
  flag(key: string): boolean {
    return truthy(this.get(key));
  }

  /** An integer field (python also accepts bools: False == 0); `dflt` when absent or None. */
  int(key: string, dflt: number): number {
    const v = this.get(key);
    if (v === undefined || v === null) return dflt;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    throw new RequestError(`${key} must be an integer`);
  }

  /** An optional integer: undefined when absent or None. */
  optInt(key: string): number | undefined {
    const v = this.get(key);
    return v === undefined || v === null ? undefined : this.int(key, 0);
  }

  str(key: string): string {
    const v = this.get(key);
    if (typeof v !== 'string') throw new RequestError(`${key} must be a string`);
    return v;
  }

  /** A path given as a Path (ext 3) or a list of elements; `dflt` when absent. */
  path(key = 'path', dflt?: Path): Path {
    const v = this.get(key);
    if (v === undefined) {
      if (dflt) return dflt;
      throw new RequestError(`'${key}' is required`);
    }
    if (v instanceof Path) return v;
    if (Array.isArray(v) && v.every(isPathElement)) return Path.from(v);
    throw new RequestError(`${key} must be a path`);
  }
}

/** python `bool(x)` for decoded values. */
export function truthy(v: Value | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (typeof v === 'bigint') return v !== 0n;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof Path) return v.length > 0;
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.keys(v).length > 0;
  return true;
}

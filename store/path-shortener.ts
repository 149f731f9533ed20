// DistKV's PathShortener / PathLongener (distkv/util/_path.py): streamed entry records (get_tree
// replies, saved files) carry only the part of each path that differs from the previous one.
// A record's `path` is relative to a fixed prefix, and `depth` counts how many leading elements
// it shares with the previous record's relative path; only the rest is sent.
import { DecodeError } from '../gossip/decode-error.js';
import { Path, elementsEqual, isPathElement, type PathElement } from './path.js';

export interface ShortPath {
  depth: number;
  path: Path;
}

export class PathShortener {
  private prev: readonly PathElement[] = [];

  constructor(readonly prefix: Path = Path.ROOT) {}

  /** Shortens the next path of the stream; it must lie under the prefix (else Error, as Python). */
  shorten(path: Path): ShortPath {
    if (!path.startsWith(this.prefix)) throw new Error(`Wrong prefix: has ${path}, want ${this.prefix}`);
    const rel = path.elements.slice(this.prefix.length);
    const n = Math.min(rel.length, this.prev.length);
    let depth = 0;
    while (depth < n && elementsEqual(rel[depth]!, this.prev[depth]!)) depth++;
    this.prev = rel;
    return { depth, path: Path.trusted(rel.slice(depth)) };
  }
}

export class PathLongener {
  /** The previous full path (starts as the prefix). */
  private prev: Path;
  private readonly base: number;

  constructor(prefix: Path = Path.ROOT) {
    this.prev = prefix;
    this.base = prefix.length;
  }

  /**
   * The full path of a record with `depth` and shortened `path`. Python silently takes a
   * shorter slice when `depth` exceeds the previous path; we refuse it (DecodeError), since
   * it means the stream is corrupt or records were lost.
   */
  lengthen(depth: number, path: Path | readonly PathElement[]): Path {
    const keep = this.base + depth;
    if (!Number.isSafeInteger(depth) || depth < 0 || keep > this.prev.length)
      throw new DecodeError(`path depth ${depth} exceeds the previous path ${this.prev}`, undefined, 'shortened path');
    if (!(path instanceof Path) && !path.every(isPathElement))
      throw new DecodeError('a shortened path holds a non-element', undefined, 'shortened path');
    const tail = path instanceof Path ? path : Path.trusted([...path]);
    const full = this.prev.slice(0, keep).concat(tail);
    this.prev = full;
    return full;
  }
}

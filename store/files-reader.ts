// Reads DistKV's saved files and change logs (reference §5): a stream of msgpack maps — state
// records (`{nodes, known, deleted, node, tock}`, or wrapped as `{info: {...}}`), entry/update
// records with PathShortener'd paths (`{value?, chain | node/tick/prev, tock, path, depth}`), and,
// in our checked form, `_c` checksums and `{info: {}, _end}` trailers (files-check.ts).
// Pure: feed it chunks, it yields records; applying them is files-store.ts / Store.
//
// Where we read differently from Python's `Server.load`, on purpose:
// - every record with `path` and `depth` is lengthened (Python lengthens only records with a
//   value, so a deletion in a log shifts every later path: reference §8);
// - a record with `path` but no `value` is a deletion (Python takes it for an info record);
// - a record that is not a map is a DecodeError (Python crashes or logs and skips it).
import { DecodeError } from '../gossip/decode-error.js';
import { MsgStreamDecoder, type StreamRecord } from './codec-stream.js';
import { dictEntries, isDict, type Value, type ValueObject } from './codec-value.js';
import { CHECK_KEY, END_KEY, crc32c, storedCrc } from './files-check.js';
import { Path } from './path.js';
import { PathLongener } from './path-shortener.js';

type Dict = Map<Value, Value> | ValueObject;

export type FileRecord =
  /** A state record: apply with Store.applyInfo(info, {broadcast: false}). */
  | { kind: 'state'; offset: number; info: Dict; wrapped: boolean }
  /** An entry (snapshot) or update (log) record; `msg.path` is the full path, `depth` removed. */
  | { kind: 'update'; offset: number; path: Path; hasValue: boolean; msg: Dict }
  /** The end of a checked segment. */
  | { kind: 'end'; offset: number; count: number }
  /** A map Python's loader would skip with a warning. */
  | { kind: 'unknown'; offset: number; raw: Dict };

export interface ReaderOptions {
  /** Refuse records without a checksum (for files we wrote ourselves). Default false. */
  requireChecked?: boolean;
  /** Largest accepted record; default 64 MiB. */
  maxRecordBytes?: number;
}

export interface FileSummary {
  /** Records read (trailers included). */
  records: number;
  /** Segments (files concatenated); a segment is checked or plain. */
  checkedSegments: number;
  plainSegments: number;
  /** Absolute offset after the last good record. */
  validEnd: number;
}

function has(d: Dict, k: string): boolean {
  return d instanceof Map ? d.has(k) : Object.prototype.hasOwnProperty.call(d, k);
}
function get(d: Dict, k: string): Value | undefined {
  return d instanceof Map ? d.get(k) : Object.prototype.hasOwnProperty.call(d, k) ? d[k] : undefined;
}
/** A copy of `d` without `drop` keys and with `path` replaced. */
function rebuild(d: Dict, drop: string[], path?: Path): Dict {
  if (d instanceof Map) {
    const m = new Map<Value, Value>();
    for (const [k, v] of d) if (!(typeof k === 'string' && drop.includes(k))) m.set(k, k === 'path' && path ? path : v);
    return m;
  }
  const o: ValueObject = {};
  for (const k of Object.keys(d)) if (!drop.includes(k)) o[k] = k === 'path' && path ? path : d[k]!;
  return o;
}

export class FileReader {
  private readonly stream: MsgStreamDecoder;
  private longer = new PathLongener();
  private seg: 'none' | 'checked' | 'plain' = 'none';
  private crc = 0;
  private segCount = 0;
  private readonly summary: FileSummary = { records: 0, checkedSegments: 0, plainSegments: 0, validEnd: 0 };

  constructor(private readonly opts: ReaderOptions = {}) {
    this.stream = new MsgStreamDecoder({ maxMessageBytes: opts.maxRecordBytes, what: 'distkv file' });
  }

  /** Feeds a chunk of the file; returns the records it completed. DecodeError on bad data. */
  push(chunk: Uint8Array): FileRecord[] {
    return this.stream.pushRecords(chunk).map((r) => this.record(r));
  }

  /**
   * Declares the end of the file. DecodeError (with the offset) if it ends inside a record, or
   * inside a checked segment with no trailer (truncated) unless `allowUnterminated` (a change
   * log whose writer died: the records so far were each verified).
   */
  finish(opts: { allowUnterminated?: boolean } = {}): FileSummary & { complete: boolean } {
    this.stream.finish();
    const complete = this.seg !== 'checked';
    if (!complete && !opts.allowUnterminated)
      throw new DecodeError('distkv file: truncated (checked segment has no end record)', this.summary.validEnd, 'distkv file');
    if (this.summary.records === 0 && this.opts.requireChecked) throw new DecodeError('distkv file: empty', 0, 'distkv file');
    return { ...this.summary, complete };
  }

  private fail(msg: string, at: number): never {
    throw new DecodeError(`distkv file: ${msg}`, at, 'distkv file');
  }

  private record(r: StreamRecord): FileRecord {
    const v = r.value;
    if (!isDict(v)) this.fail('a record must be a map', r.offset);
    const sc = this.checksum(r, v);
    this.verify(r, sc);
    this.summary.records++;
    this.summary.validEnd = r.end;
    return this.classify(v, r.offset, sc !== undefined);
  }

  /** The record's `_c`, if its last entry is one (and the bytes agree). */
  private checksum(r: StreamRecord, v: Dict): number | undefined {
    const sc = storedCrc(r.raw, 0, r.raw.length);
    const entries = dictEntries(v);
    const last = entries[entries.length - 1];
    const hasKey = last !== undefined && last[0] === CHECK_KEY;
    if (sc === undefined) {
      if (has(v, CHECK_KEY)) this.fail('malformed checksum', r.offset);
      return undefined;
    }
    if (!hasKey || last![1] !== sc) this.fail('malformed checksum', r.offset);
    return sc;
  }

  private verify(r: StreamRecord, sc: number | undefined): void {
    const raw = r.raw;
    if (this.seg === 'checked') {
      if (sc === undefined) this.fail('record without checksum inside a checked segment', r.offset);
      const crc = crc32c(raw, 0, raw.length - 4, this.crc);
      if (crc !== sc) this.fail('checksum mismatch (corrupted or reordered data)', r.offset);
      this.crc = crc;
      this.segCount++;
      return;
    }
    if (sc === undefined) {
      if (this.opts.requireChecked) this.fail('record without checksum', r.offset);
      if (this.seg === 'none') this.summary.plainSegments++;
      this.seg = 'plain';
      return;
    }
    // A checked record outside a checked segment must start a new one (CRC chain from 0).
    const crc = crc32c(raw, 0, raw.length - 4, 0);
    if (crc !== sc) this.fail('checksum mismatch (corrupted data)', r.offset);
    this.seg = 'checked';
    this.summary.checkedSegments++;
    this.crc = crc;
    this.segCount = 1;
    this.longer = new PathLongener();
  }

  private classify(v: Dict, offset: number, checked: boolean): FileRecord {
    if (checked && has(v, END_KEY) && has(v, 'info')) {
      const n = get(v, END_KEY);
      if (n !== this.segCount - 1) this.fail(`end record counts ${String(n)} records, segment has ${this.segCount - 1}`, offset);
      this.seg = 'none';
      this.crc = 0;
      this.segCount = 0;
      this.longer = new PathLongener();
      return { kind: 'end', offset, count: n as number };
    }
    const drop = checked ? [CHECK_KEY] : [];
    if (has(v, 'value') || has(v, 'path')) {
      const p = get(v, 'path');
      if (!(p instanceof Path) && !Array.isArray(p)) this.fail('record path must be a path', offset);
      let path: Path;
      try {
        const d = get(v, 'depth');
        if (d === undefined) path = p instanceof Path ? p : Path.from(p as unknown[]);
        else {
          if (typeof d !== 'number') this.fail('depth must be an integer', offset);
          path = this.longer.lengthen(d, p as Path);
        }
      } catch (e) {
        if (e instanceof DecodeError && e.offset !== undefined) throw e;
        this.fail(e instanceof Error ? e.message : String(e), offset);
      }
      return { kind: 'update', offset, path, hasValue: has(v, 'value'), msg: rebuild(v, [...drop, 'depth'], path) };
    }
    if (has(v, 'info')) {
      const info = get(v, 'info');
      if (!isDict(info)) this.fail('info must be a map', offset);
      return { kind: 'state', offset, info, wrapped: true };
    }
    if (has(v, 'nodes') || has(v, 'known') || has(v, 'deleted') || has(v, 'tock')) {
      return { kind: 'state', offset, info: rebuild(v, drop), wrapped: false };
    }
    return { kind: 'unknown', offset, raw: rebuild(v, drop) };
  }
}

/** Reads a whole file held in memory. */
export function readFile(bytes: Uint8Array, opts: ReaderOptions & { allowUnterminated?: boolean } = {}): {
  records: FileRecord[];
  summary: FileSummary & { complete: boolean };
} {
  const r = new FileReader(opts);
  const records = r.push(bytes);
  const summary = r.finish(opts);
  return { records, summary };
}

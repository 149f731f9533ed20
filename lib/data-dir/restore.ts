// Start-up from a data directory: the newest snapshot that reads completely, then every change
// log of that generation and later, in order. Each snapshot is verified whole before any of it is
// applied; a log is applied record by record (each verified by its checksum chain). A log whose
// writer died ends without its trailer, or (power loss) inside a record: the newest log keeps
// what precedes the damage; damage in an older log stops the start (its later records are gone
// and newer logs build on them), with the file and offset in the error.
import { DecodeError } from '../../gossip/decode-error.js';
import type { Logger } from '../../gossip/runtime.js';
import { SubLogger } from '../../gossip/runtime.js';
import { FileReader, loadRecords, type FileRecord, type LoadSummary } from '../../store/files.js';
import type { Store } from '../../store/store.js';
import { readChunks } from '../runtime/files.js';
import { listDataFiles, type DataFile } from './layout.js';

export interface RestoreResult {
  /** The generation restored from (its snapshot), or undefined for an empty directory. */
  snapshotGen: number | undefined;
  /** The highest generation seen: the next one is this + 1. */
  lastGen: number;
  logs: number;
  /** Records applied, by outcome, over all files. */
  updates: LoadSummary['updates'];
  /** Where the newest log was cut (a torn last write), if it was. */
  tornAt: number | undefined;
}

/** Reads a file whole, verifying as it goes; throws DecodeError at the first bad byte. */
async function readAll(path: string, allowUnterminated: boolean): Promise<FileRecord[]> {
  const r = new FileReader({ requireChecked: true });
  const out: FileRecord[] = [];
  for await (const chunk of readChunks(path)) for (const rec of r.push(chunk)) out.push(rec);
  const s = r.finish({ allowUnterminated });
  if (!allowUnterminated && !s.complete) throw new DecodeError('distkv file: truncated', s.validEnd, 'distkv file');
  return out;
}

/** The records before byte `end` of `path` (what a torn log still holds). */
async function readPrefix(path: string, end: number): Promise<FileRecord[]> {
  const r = new FileReader({ requireChecked: true });
  const out: FileRecord[] = [];
  let at = 0;
  for await (const chunk of readChunks(path)) {
    const take = Math.min(chunk.length, end - at);
    if (take > 0) for (const rec of r.push(chunk.subarray(0, take))) out.push(rec);
    at += chunk.length;
    if (at >= end) break;
  }
  return out;
}

/**
 * The records of a torn file before `end`: a prefix can itself hold the first bad record (the
 * decoder saw an impossible length further on first), so cut again at each error, which only
 * moves earlier.
 */
async function readTorn(path: string, end: number): Promise<{ records: FileRecord[]; end: number }> {
  for (;;) {
    try {
      return { records: await readPrefix(path, end), end };
    } catch (e) {
      if (!(e instanceof DecodeError) || e.offset === undefined || e.offset >= end) throw e;
      end = e.offset;
    }
  }
}

function add(into: LoadSummary['updates'], s: LoadSummary): void {
  for (const k of Object.keys(into) as (keyof LoadSummary['updates'])[]) into[k] += s.updates[k];
}

export async function restoreDataDir(dir: string, store: Store, logger: Logger): Promise<RestoreResult> {
  const log = new SubLogger(logger, 'data-dir');
  const files = await listDataFiles(dir);
  const res: RestoreResult = {
    snapshotGen: undefined,
    lastGen: files.reduce((m, f) => Math.max(m, f.gen), 0),
    logs: 0,
    updates: { applied: 0, duplicate: 0, stale: 0, lost: 0 },
    tornAt: undefined,
  };
  const snaps = files.filter((f) => f.kind === 'snap').reverse();
  let base: { file: DataFile; records: FileRecord[] } | undefined;
  for (const s of snaps) {
    try {
      base = { file: s, records: await readAll(s.path, false) };
      break;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      log.warn('snapshot unreadable, trying an older one', { path: s.path, error: e.message });
    }
  }
  if (!base && snaps.length) throw new Error(`data directory ${dir}: no snapshot is readable (${snaps.map((s) => s.path).join(', ')})`);
  if (base) {
    add(res.updates, loadRecords(store, base.records));
    res.snapshotGen = base.file.gen;
  }
  const from = res.snapshotGen ?? 0;
  const logs = files.filter((f) => f.kind === 'log' && f.gen >= from);
  for (const [i, f] of logs.entries()) {
    let records: FileRecord[];
    try {
      records = await readAll(f.path, true);
    } catch (e) {
      if (!(e instanceof DecodeError) || i !== logs.length - 1 || e.offset === undefined) {
        throw new Error(`data directory ${dir}: change log ${f.path} is damaged: ${(e as Error).message}`, { cause: e });
      }
      const torn = await readTorn(f.path, e.offset);
      records = torn.records;
      res.tornAt = torn.end;
      log.warn('newest change log ends in a torn record: keeping what precedes it', { path: f.path, offset: torn.end, error: e.message });
    }
    add(res.updates, loadRecords(store, records));
    res.logs++;
  }
  return res;
}

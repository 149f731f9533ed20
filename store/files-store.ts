// Saving a Store to DistKV's file formats and loading files into one (python `Server.save`,
// `save_stream` and `load`). Pure: bytes in, bytes out; lib/ does the file I/O.
import { NOT_GIVEN, entryToWire, walk } from './entry.js';
import type { FileRecord } from './files-reader.js';
import { FileWriter, type WriterOptions } from './files-writer.js';
import type { ApplyOutcome, ChangeEvent, Store } from './store.js';
import { updateToWire } from './update-wire.js';

/**
 * A full snapshot (`save`): the state record, then every entry with a value in walk order with
 * its full chain, then (checked) the end record. `full` includes the meta tree (null key).
 */
export function* snapshotChunks(store: Store, opts: WriterOptions & { full?: boolean } = {}): Generator<Uint8Array> {
  const w = new FileWriter(opts);
  yield w.state(store.getState({ nodes: true, known: true, deleted: true }));
  for (const [e] of walk(store.root, { full: opts.full ?? true })) {
    if (e.value === NOT_GIVEN) continue;
    yield w.update(entryToWire(e, -1, 0) as { path: NonNullable<ReturnType<typeof entryToWire>['path']> });
  }
  const end = w.end();
  if (end.length) yield end;
}

/**
 * A change log (`log`): `start()` writes the state record (and with `snapshot` every entry),
 * then `change(ev)` one update record per applied change, `checkpoint()` a fresh state record
 * (python: every 60 s or 1000 changes; the caller's clock decides), `close()` the end record.
 */
export class ChangeLogWriter {
  private readonly w: FileWriter;
  constructor(
    private readonly store: Store,
    opts: WriterOptions = {},
  ) {
    this.w = new FileWriter(opts);
  }

  start(snapshot = false): Uint8Array[] {
    const out = [this.checkpoint()];
    if (snapshot) {
      for (const [e] of walk(this.store.root, { full: true })) {
        if (e.value === NOT_GIVEN) continue;
        out.push(this.w.update(entryToWire(e, -1, 0) as { path: NonNullable<ReturnType<typeof entryToWire>['path']> }));
      }
    }
    return out;
  }

  change(ev: ChangeEvent): Uint8Array {
    return this.w.update(updateToWire(ev.chain, ev.entry.path, ev.value, ev.tock, -1));
  }

  checkpoint(): Uint8Array {
    return this.w.state(this.store.getState({ nodes: true, known: true, deleted: true }));
  }

  close(): Uint8Array {
    return this.w.end();
  }
}

export interface LoadSummary {
  updates: Record<ApplyOutcome, number>;
  states: number;
  /** Records Python would skip with a warning. */
  unknown: number;
}

/**
 * Applies file records to a store as python's `Server.load` does: updates in loading mode,
 * state records as info (nodes/known/deleted/remote_missing/node_drop); `authoritative` then
 * marks every tick still missing as superseded. Deletions are applied (python drops them).
 * Throws DecodeError (from the Store) on a malformed record; records before it stay applied,
 * so callers that must not half-load should read (and so verify) the whole file first.
 */
export function loadRecords(store: Store, records: Iterable<FileRecord>, opts: { authoritative?: boolean } = {}): LoadSummary {
  const sum: LoadSummary = { updates: { applied: 0, duplicate: 0, stale: 0, lost: 0 }, states: 0, unknown: 0 };
  for (const r of records) {
    switch (r.kind) {
      case 'update':
        sum.updates[store.applyUpdate(r.msg, 'load')]++;
        break;
      case 'state':
        store.applyInfo(r.info, { broadcast: false });
        sum.states++;
        break;
      case 'unknown':
        sum.unknown++;
        break;
      case 'end':
        break;
    }
  }
  if (opts.authoritative) store.discardAllMissing();
  return sum;
}

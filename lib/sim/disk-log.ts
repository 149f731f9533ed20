// A simulated server's durable state: every applied change of its Store goes, synchronously, into
// DistKV's change-log format (store/files*.ts, checked form) on the simulator's per-node disk, so
// a crash keeps every acknowledged write and a restart reloads them (python `server -l` of its
// own log). The disk is a Map: one key per appended record batch (`log.<seq>`), compacted into a
// fresh snapshot segment when the log has grown well past the store's size.
import { ChangeLogWriter, loadRecords, readFile } from '../../store/files.js';
import type { Store } from '../../store/store.js';

const LOG = 'distkv/log.';
/** Written once the server was ready (synced or seeded): only then is its disk worth loading. */
const READY = 'distkv/ready';
const SEQ_DIGITS = 10;

export interface DiskLogOptions {
  /** Compact when the log holds this many records more than the last snapshot (default 5000). */
  compactAfter?: number;
}

export class DiskLog {
  private w: ChangeLogWriter;
  private seq: number;
  private records = 0;
  private snapshotRecords = 0;
  private off: (() => void) | undefined;
  /** Bytes written since start (a figure for the simulator's report). */
  bytesWritten = 0;

  private constructor(
    private readonly store: Store,
    private readonly disk: Map<string, Uint8Array>,
    private readonly opts: DiskLogOptions,
  ) {
    this.w = new ChangeLogWriter(store);
    this.seq = lastSeq(disk) + 1;
  }

  /**
   * Loads what the disk holds into `store` (empty: nothing) and returns a log that appends every
   * later change. `loaded` says the store holds a ready server's state.
   */
  static open(store: Store, disk: Map<string, Uint8Array>, opts: DiskLogOptions = {}): { log: DiskLog; loaded: boolean } {
    const loaded = disk.has(READY);
    if (loaded) {
      const keys = logKeys(disk);
      const parts = keys.map((k) => disk.get(k)!);
      const { records } = readFile(concat(parts), { requireChecked: true, allowUnterminated: true });
      loadRecords(store, records);
    } else for (const k of logKeys(disk)) disk.delete(k); // never ready: a sync starts over
    const log = new DiskLog(store, disk, opts);
    log.compact(); // one fresh segment: what we loaded, then our changes
    log.off = store.onChange((ev) => log.append(log.w.change(ev)));
    return { log, loaded };
  }

  /** The server became ready: from now on a restart loads the disk instead of syncing. */
  markReady(): void {
    if (!this.disk.has(READY)) {
      this.compact();
      this.disk.set(READY, new Uint8Array([1]));
    }
  }

  close(): void {
    this.off?.();
    this.off = undefined;
  }

  private append(bytes: Uint8Array): void {
    this.put(bytes);
    this.records++;
    // at least the snapshot's size again: compaction stays linear in the writes
    if (this.records - this.snapshotRecords > Math.max(this.opts.compactAfter ?? 5000, this.snapshotRecords)) this.compact();
  }

  /** A new checked segment with the whole store, then the old segments go (new one first). */
  private compact(): void {
    const old = logKeys(this.disk);
    this.w = new ChangeLogWriter(this.store);
    const chunks = this.w.start(true);
    this.put(concat(chunks));
    for (const k of old) this.disk.delete(k);
    this.snapshotRecords = chunks.length;
    this.records = chunks.length;
  }

  private put(bytes: Uint8Array): void {
    this.disk.set(LOG + String(this.seq++).padStart(SEQ_DIGITS, '0'), bytes);
    this.bytesWritten += bytes.length;
  }
}

function logKeys(disk: Map<string, Uint8Array>): string[] {
  return [...disk.keys()].filter((k) => k.startsWith(LOG)).sort();
}

function lastSeq(disk: Map<string, Uint8Array>): number {
  const keys = logKeys(disk);
  return keys.length ? Number(keys[keys.length - 1]!.slice(LOG.length)) : 0;
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => Buffer.concat(parts);

// save / log / load (python `Server.save`, `run_saver`, `load`), with DistKV's record format from
// store/files*.ts and the file I/O of lib/runtime/files.ts. A snapshot replaces its file
// atomically; a change log appends one record per change, flushes when idle or every 100
// records, and writes a fresh state record every 1000 changes (python's defaults).
import { SubLogger, type Clock, type Logger, type Timer } from '../../gossip/runtime.js';
import { ChangeLogWriter, FileReader, loadRecords, snapshotChunks, type LoadSummary } from '../../store/files.js';
import type { Store } from '../../store/store.js';
import { AppendFile, readChunks, writeFileAtomic } from '../runtime/files.js';
import type { Persistence } from './context.js';

export interface PersistenceOptions {
  /** Write our checked form (`_c` CRCs + end record; python loads it too). Default true. */
  checked?: boolean;
  /** Idle time before a change log is flushed to disk (python: 1 s). */
  flushIdleMs?: number;
}

export class FilePersistence implements Persistence {
  private current: ChangeLog | undefined;
  private readonly logger: SubLogger;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    logger: Logger,
    private readonly opts: PersistenceOptions = {},
  ) {
    this.logger = new SubLogger(logger, 'persistence');
  }

  async save(path: string, full: boolean): Promise<void> {
    await writeFileAtomic(path, snapshotChunks(this.store, { checked: this.opts.checked ?? true, full }));
    this.logger.info('saved snapshot', { path });
  }

  async log(path: string | undefined, fetch: boolean): Promise<void> {
    // python: the new log is complete before the old one stops (no gap, maybe duplicates)
    const next = path === undefined ? undefined : await ChangeLog.open(this.store, this.clock, path, fetch, this.opts, this.logger);
    const old = this.current;
    this.current = next;
    if (old) await old.close();
  }

  /** Flushes and closes a running change log (shutdown). */
  async close(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (c) await c.close();
  }
}

class ChangeLog {
  private pending = 0;
  private sinceState = 0;
  private idle: Timer | undefined;
  private off: () => void;

  private constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly file: AppendFile,
    private readonly w: ChangeLogWriter,
    private readonly flushIdleMs: number,
    private readonly log: SubLogger,
  ) {
    this.off = store.onChange((ev) => {
      this.write(this.w.change(ev));
      if (++this.sinceState >= 1000) {
        this.sinceState = 0;
        this.write(this.w.checkpoint());
      }
    });
  }

  static async open(store: Store, clock: Clock, path: string, fetch: boolean, opts: PersistenceOptions, log: SubLogger): Promise<ChangeLog> {
    const file = await AppendFile.open(path);
    const w = new ChangeLogWriter(store, { checked: opts.checked ?? true });
    // the first records and the listener are set up synchronously, so no change falls between
    const c = new ChangeLog(store, clock, file, w, opts.flushIdleMs ?? 1000, log);
    for (const b of w.start(fetch)) c.write(b);
    await c.flush();
    log.info('change log started', { path, fetch });
    return c;
  }

  private write(bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.file.write(bytes).catch((e: unknown) => this.log.error('change log write failed', { path: this.file.path, error: String(e) }));
    if (++this.pending >= 100) void this.flush();
    else {
      this.idle?.cancel();
      this.idle = this.clock.setTimer(this.flushIdleMs, () => void this.flush());
    }
  }

  async flush(): Promise<void> {
    this.idle?.cancel();
    this.idle = undefined;
    this.pending = 0;
    await this.file.sync().catch((e: unknown) => this.log.error('change log sync failed', { path: this.file.path, error: String(e) }));
  }

  async close(): Promise<void> {
    this.off();
    this.write(this.w.checkpoint());
    this.write(this.w.close());
    await this.flush();
    await this.file.close();
  }
}

/** python `Server.load`: every record of `path` applied in loading mode (whole file checked first). */
export async function loadFile(store: Store, path: string, authoritative: boolean): Promise<LoadSummary> {
  const r = new FileReader();
  const records = [];
  for await (const chunk of readChunks(path)) records.push(...r.push(chunk));
  r.finish({ allowUnterminated: true });
  return loadRecords(store, records, { authoritative });
}

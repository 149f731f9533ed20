// `-data-dir DIR`: the server's own snapshots and change logs (layout.ts), restored at start
// (restore.ts) and kept from then on. Every applied change (local or replicated) is appended to
// the current generation's log; the fsync policy decides when a client's write is acknowledged:
// - 'ack' (default): group commit (group-sync.ts). A reply waits until the changes applied before
//   it are fsynced; concurrent writers share one fsync. Costs are in bench/data-dir.bench.ts.
// - 'interval': python DistKV's way: flush after 1 s idle or 100 records, replies do not wait
//   (a crash can lose the last second of acknowledged writes).
// A log past `rotateBytes` and past the last snapshot's size starts the next generation: new log
// first, then the snapshot of the same instant (both set up synchronously, so no change falls
// between), then the old log closes and generations older than `keep` are deleted.
import { mkdir, unlink } from 'node:fs/promises';
import { SubLogger, type Clock, type Logger, type Timer } from '../../gossip/runtime.js';
import { ChangeLogWriter } from '../../store/files.js';
import type { ChangeEvent, Store } from '../../store/store.js';
import { AppendFile, syncDir, writeFileAtomic } from '../runtime/files.js';
import { GroupSync } from './group-sync.js';
import { dataFilePath, listDataFiles } from './layout.js';
import { lockDataDir } from './lock.js';
import { restoreDataDir, type RestoreResult } from './restore.js';
import { captureSnapshot, encodeSnapshot } from './snapshot.js';

export type FsyncPolicy = 'ack' | 'interval';

export function isFsyncPolicy(s: string): s is FsyncPolicy {
  return s === 'ack' || s === 'interval';
}

export interface DataDirOptions {
  dir: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  fsync?: FsyncPolicy;
  /** A log this big, and at least as big as the last snapshot, starts a new generation (default 64 MiB). */
  rotateBytes?: number;
  /** Generations kept on disk, the current one included (default 2). */
  keep?: number;
  /** Writes nobody waits for (replicated changes) are fsynced after this idle time (default 1 s). */
  flushIdleMs?: number;
}

export interface DataDirStats {
  generation: number;
  logBytes: number;
  records: number;
  rotations: number;
  syncs: number;
  waits: number;
}

/** python's change-log defaults: a state record every 1000 changes; flush every 100 records. */
const CHECKPOINT_EVERY = 1000;
const INTERVAL_RECORDS = 100;

/** One generation's change log. */
class GenLog {
  readonly sync: GroupSync;
  bytes = 0;
  records = 0;
  private sinceCheckpoint = 0;
  private pendingBufs: Uint8Array[] = [];
  private pendingBytes = 0;
  private drainQueued = false;
  private failed: unknown;
  private idle: Timer | undefined;
  private off: (() => void) | undefined;
  private readonly w: ChangeLogWriter;

  constructor(
    readonly gen: number,
    private readonly file: AppendFile,
    store: Store,
    private readonly o: Required<Pick<DataDirOptions, 'clock' | 'flushIdleMs' | 'fsync'>>,
    private readonly log: SubLogger,
    private readonly onGrow: () => void,
  ) {
    this.sync = new GroupSync(() => {
      if (this.failed !== undefined) return Promise.reject(this.failed);
      // the records not yet handed to the file go first, so the fsync covers them
      this.drain();
      return this.file.sync();
    });
    this.w = new ChangeLogWriter(store, { checked: true });
    for (const b of this.w.start(false)) this.write(b);
    this.off = store.onChange((ev: ChangeEvent) => {
      this.write(this.w.change(ev));
      if (++this.sinceCheckpoint >= CHECKPOINT_EVERY) {
        this.sinceCheckpoint = 0;
        this.write(this.w.checkpoint());
      }
      this.onGrow();
    });
  }

  get path(): string {
    return this.file.path;
  }

  private write(bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.bytes += bytes.length;
    this.records++;
    // records of one synchronous burst (a TCP chunk of requests, a delete_tree) become one write
    this.pendingBufs.push(bytes);
    this.pendingBytes += bytes.length;
    if (!this.drainQueued) {
      this.drainQueued = true;
      queueMicrotask(() => this.drain());
    }
    this.sync.wrote();
    if (this.o.fsync === 'interval' && this.records % INTERVAL_RECORDS === 0) void this.flushLogged();
    else if (!this.idle) this.idle = this.o.clock.setTimer(this.o.flushIdleMs, () => void this.flushLogged());
  }

  private drain(): void {
    this.drainQueued = false;
    if (!this.pendingBufs.length) return;
    const b = this.pendingBufs.length === 1 ? this.pendingBufs[0]! : Buffer.concat(this.pendingBufs, this.pendingBytes);
    this.pendingBufs = [];
    this.pendingBytes = 0;
    this.file.write(b).catch((e: unknown) => {
      // a lost write must fail every later ack, not only this one's
      this.failed ??= e;
      this.log.error('change log write failed', { path: this.file.path, error: String(e) });
    });
  }

  private async flushLogged(): Promise<void> {
    this.idle?.cancel();
    this.idle = undefined;
    await this.sync.flush().catch((e: unknown) => this.log.error('change log fsync failed', { path: this.file.path, error: String(e) }));
  }

  barrier(): Promise<void> | undefined {
    if (this.failed !== undefined) return Promise.reject(new Error(`change log ${this.file.path} failed: ${String(this.failed)}`));
    return this.sync.barrier();
  }

  /** Stops taking changes (they go to the next generation from now on). */
  detach(): void {
    this.off?.();
    this.off = undefined;
  }

  /** Detaches, writes the final state record and trailer, fsyncs, closes. */
  async close(): Promise<void> {
    this.detach();
    this.write(this.w.checkpoint());
    this.write(this.w.close());
    this.idle?.cancel();
    this.idle = undefined;
    await this.sync.flush();
    this.drain();
    await this.file.close();
  }
}

export class DataDir {
  private cur: GenLog | undefined;
  private readonly retiring = new Set<GenLog>();
  private lastGen = 0;
  private rotating: Promise<void> | undefined;
  private closed = false;
  private rotations = 0;
  private snapshotBytes = 0;
  private syncsDone = 0;
  private waitsDone = 0;
  private readonly log: SubLogger;
  private readonly o: Required<Omit<DataDirOptions, 'store' | 'logger'>> & Pick<DataDirOptions, 'store' | 'logger'>;

  private constructor(
    o: DataDirOptions,
    private readonly unlock: () => Promise<void>,
  ) {
    this.o = { fsync: 'ack', rotateBytes: 64 << 20, keep: 2, flushIdleMs: 1000, ...o };
    this.log = new SubLogger(o.logger, 'data-dir');
  }

  /** Creates the directory if needed and takes its lock (one server per directory). */
  static async open(o: DataDirOptions): Promise<DataDir> {
    await mkdir(o.dir, { recursive: true });
    return new DataDir(o, await lockDataDir(o.dir));
  }

  get fsync(): FsyncPolicy {
    return this.o.fsync;
  }

  /** Loads the newest snapshot and the logs after it into the (empty) store. */
  async restore(): Promise<RestoreResult> {
    const r = await restoreDataDir(this.o.dir, this.o.store, this.o.logger);
    this.lastGen = r.lastGen;
    if (r.snapshotGen !== undefined || r.logs) this.o.store.markReady();
    this.log.info('restored', { dir: this.o.dir, snapshot: r.snapshotGen, logs: r.logs, ...r.updates, tick: this.o.store.tick });
    return r;
  }

  /** Starts logging: the next generation (log + snapshot of now). Call once the store has its data. */
  begin(): Promise<void> {
    return this.rotate();
  }

  /**
   * What a reply waits for under the 'ack' policy: every change applied so far on disk.
   * Undefined when nothing is pending (or under 'interval').
   */
  barrier(): Promise<void> | undefined {
    if (this.o.fsync !== 'ack') return undefined;
    const ps: Promise<void>[] = [];
    for (const g of [...this.retiring, this.cur]) {
      const b = g?.barrier();
      if (b) ps.push(b);
    }
    return ps.length === 0 ? undefined : ps.length === 1 ? ps[0] : Promise.all(ps).then(() => undefined);
  }

  stats(): DataDirStats {
    let syncs = this.syncsDone;
    let waits = this.waitsDone;
    for (const g of [...this.retiring, this.cur]) {
      syncs += g?.sync.stats.syncs ?? 0;
      waits += g?.sync.stats.waits ?? 0;
    }
    return { generation: this.cur?.gen ?? 0, logBytes: this.cur?.bytes ?? 0, records: this.cur?.records ?? 0, rotations: this.rotations, syncs, waits };
  }

  /** Starts the next generation now (tests; `rotateBytes` does it on its own). */
  rotate(): Promise<void> {
    this.rotating ??= this.newGeneration().finally(() => (this.rotating = undefined));
    return this.rotating;
  }

  private async newGeneration(): Promise<void> {
    const gen = this.lastGen + 1;
    this.lastGen = gen;
    const file = await AppendFile.open(dataFilePath(this.o.dir, gen, 'log'));
    if (this.closed) {
      await file.close();
      return;
    }
    // synchronous from here to the capture: the new log takes every change after this instant
    // and the snapshot holds everything before it (encoded and written afterwards: snapshot.ts)
    const old = this.cur;
    old?.detach();
    if (old) this.retiring.add(old);
    this.cur = new GenLog(gen, file, this.o.store, this.o, this.log, () => this.grew());
    const snap = captureSnapshot(this.o.store);
    await syncDir(this.o.dir);
    await this.cur.sync.flush();
    let bytes = 0;
    const counted = async function* (): AsyncGenerator<Uint8Array> {
      for await (const c of encodeSnapshot(snap)) {
        bytes += c.length;
        yield c;
      }
    };
    await writeFileAtomic(dataFilePath(this.o.dir, gen, 'snap'), counted());
    this.snapshotBytes = bytes;
    if (old) {
      await old.close();
      this.retire(old);
      this.rotations++;
    }
    this.log.info('generation started', { gen, snapshotBytes: this.snapshotBytes });
    await this.prune(gen);
  }

  private retire(g: GenLog): void {
    this.syncsDone += g.sync.stats.syncs;
    this.waitsDone += g.sync.stats.waits;
    this.retiring.delete(g);
  }

  private grew(): void {
    // a snapshot is rewritten at most once per its own size of log, so a big store does not
    // spend its time (and event-loop pauses: the snapshot is built synchronously) on snapshots
    if (this.cur && this.cur.bytes >= Math.max(this.o.rotateBytes, this.snapshotBytes) && !this.rotating && !this.closed)
      void this.rotate().catch((e: unknown) => this.log.error('log rotation failed', { error: String(e) }));
  }

  private async prune(gen: number): Promise<void> {
    const oldest = gen - this.o.keep + 1;
    for (const f of await listDataFiles(this.o.dir)) {
      if (f.gen >= oldest) continue;
      await unlink(f.path).catch((e: unknown) => this.log.warn('could not delete an old generation', { path: f.path, error: String(e) }));
    }
  }

  /** Flushes and closes the log (trailer written: a clean end), releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.rotating?.catch(() => undefined);
    for (const g of [...this.retiring]) {
      await g.close().catch(() => undefined);
      this.retire(g);
    }
    const c = this.cur;
    this.cur = undefined;
    if (c) await c.close().catch((e: unknown) => this.log.error('change log close failed', { path: c.path, error: String(e) }));
    await this.unlock();
  }
}
